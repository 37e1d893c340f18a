"""Every event type of the contract, by ``ce_type``: for consumers, AsyncAPI and the schema snapshots."""

from __future__ import annotations

from slrt_shared.contracts import case_events as ce
from slrt_shared.contracts.base import EventData
from slrt_shared.contracts.commands import CommandAccepted, CommandRejected, FileComplaint, RegisterCase
from slrt_shared.contracts.contacts import CaseContacts
from slrt_shared.contracts.notification_events import NotificationFailed, NotificationSent
from slrt_shared.contracts.referral_updates import ReferralUpdate

EVENT_TYPES: dict[str, type[EventData]] = {
    m.ce_type: m
    for m in (
        RegisterCase,
        FileComplaint,
        CommandAccepted,
        CommandRejected,
        ce.CaseRegistered,
        ce.ComplaintFiled,
        ce.ReferralDispatched,
        ce.ReferralAccepted,
        ce.ReferralRejected,
        ce.ReferralInProgress,
        ce.ReferralResolved,
        ce.CaseEscalated,
        ce.CaseOverdue,
        ce.CaseResolved,
        ce.CaseClosed,
        ce.CaseReopened,
        ce.CaseErased,
        CaseContacts,
        ReferralUpdate,
        NotificationSent,
        NotificationFailed,
    )
}


def model_for(ce_type: str) -> type[EventData] | None:
    return EVENT_TYPES.get(ce_type)
