"""The topics routing reads and writes, as the channels of its AsyncAPI document (served at ``/asyncapi`` and
``/asyncapi.html`` by ``slrt_shared.asyncapi``)."""

from __future__ import annotations

from slrt_contracts import case_events as ce
from slrt_contracts.referral_updates import ReferralUpdate
from slrt_contracts.topics import Topics
from slrt_shared.asyncapi import ChannelSpec


def routing_channels(topics: Topics) -> list[ChannelSpec]:
    return [
        ChannelSpec(topics.case_events, "receive", (ce.CaseRegistered, ce.ComplaintFiled),
                    description="Registrations dispatch one referral per need; a complaint on a resolved or closed "
                                "case reopens it."),
        ChannelSpec(topics.referral_updates, "receive", (ReferralUpdate,),
                    description="Programme owners' answers; the same effect as POST /v1/referrals/{id}/status."),
        ChannelSpec(topics.case_events, "send",
                    (ce.ReferralDispatched, ce.ReferralAccepted, ce.ReferralRejected, ce.ReferralInProgress,
                     ce.ReferralResolved, ce.CaseEscalated, ce.CaseOverdue, ce.CaseResolved, ce.CaseClosed,
                     ce.CaseReopened),
                    description="Referrals, answers, escalations desa -> kecamatan -> kabupaten, overdue, resolution."),
        ChannelSpec(Topics.dead_letter(topics.referral_updates), "send", dead_letters=True, key="as the original",
                    description="Updates routing cannot apply (unreadable, unknown referral, invalid transition)."),
        ChannelSpec(Topics.dead_letter(topics.case_events), "send", dead_letters=True, key="as the original",
                    description="Case events routing cannot read or keeps failing on."),
    ]

