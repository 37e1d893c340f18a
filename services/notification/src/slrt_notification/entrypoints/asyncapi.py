"""The topics notification reads and writes, as the channels of its AsyncAPI document (served at ``/asyncapi`` and
``/asyncapi.html`` by ``slrt_shared.asyncapi``)."""

from __future__ import annotations

from slrt_contracts import case_events as ce
from slrt_contracts.contacts import CaseContacts
from slrt_contracts.notification_events import NotificationFailed, NotificationSent
from slrt_contracts.registry import model_for
from slrt_contracts.topics import Topics
from slrt_shared.asyncapi import ChannelSpec

from slrt_notification.domain.rules import NotificationRules


def notification_channels(topics: Topics, rules: NotificationRules) -> list[ChannelSpec]:
    told = tuple(m for m in (model_for(t) for t in [ce.CaseRegistered.ce_type, *rules.events]) if m is not None)
    return [
        ChannelSpec(topics.case_contacts, "receive", (CaseContacts,), tombstones=True,
                    description="Restricted: citizens' contact details; a tombstone erases them."),
        ChannelSpec(topics.case_events, "receive", tuple(dict.fromkeys(told)),
                    # the wording is snapshot-tested (tests/contract); "the plan" is now the notification rules file
                    description="Events that someone is told about (who is told what: rules/notification-rules.yaml)."),
        ChannelSpec(topics.notification_events, "send", (NotificationSent, NotificationFailed),
                    description="What was sent, and what could not be (permanent refusal or retries exhausted)."),
        ChannelSpec(Topics.dead_letter(topics.case_events), "send", dead_letters=True, key="as the original",
                    description="Case events notification cannot read or keeps failing on."),
    ]

