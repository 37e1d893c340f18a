"""Every event type of the contract, by ``ce_type``: for consumers, AsyncAPI and the schema snapshots."""

from __future__ import annotations

from slrt_contracts import case_events as ce
from slrt_contracts.base import EventData
from slrt_contracts.commands import CommandAccepted, CommandRejected, FileComplaint, RegisterCase
from slrt_contracts.contacts import CaseContacts
from slrt_contracts.notification_events import NotificationFailed, NotificationSent
from slrt_contracts.referral_updates import ReferralUpdate

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


#: The types whose Kafka key is not a ``case_id``: commands carry their sender's key, replies the command's.
KEYED_BY_SENDER = frozenset({RegisterCase.ce_type, FileComplaint.ce_type, CommandAccepted.ce_type,
                             CommandRejected.ce_type})


def key_is_case_id(ce_type: str | None) -> bool:
    """Whether a message of this type is keyed by its case's ``case_id`` (every type but commands and replies)."""
    return ce_type is not None and ce_type in EVENT_TYPES and ce_type not in KEYED_BY_SENDER
