"""The topics intake reads and writes, as the channels of its AsyncAPI document (served at ``/asyncapi`` and
``/asyncapi.html`` by ``slrt_shared.asyncapi``)."""

from __future__ import annotations

from slrt_contracts import case_events as ce
from slrt_contracts.commands import CommandAccepted, CommandRejected, FileComplaint, RegisterCase
from slrt_contracts.contacts import CaseContacts
from slrt_contracts.topics import Topics
from slrt_shared.asyncapi import ChannelSpec

from slrt_intake.service_layer.case_status import FOLLOWED


def intake_channels(topics: Topics) -> list[ChannelSpec]:
    return [
        ChannelSpec(topics.intake_commands, "receive", (RegisterCase, FileComplaint),
                    description="Agencies' commands. Each is answered on slrt.intake.replies under the same key.",
                    key="an opaque id chosen by the sender (never personal data)",
                    reply_address=topics.intake_replies),
        ChannelSpec(topics.intake_replies, "send", (CommandAccepted, CommandRejected),
                    description="The answer to every readable command: accepted with the case, or refused with "
                                "every bad field named (no input values).",
                    key="the key of the command answered"),
        ChannelSpec(Topics.dead_letter(topics.intake_commands), "send", dead_letters=True,
                    description="Commands intake cannot read (no CloudEvent, no JSON object, unknown type).",
                    key="as the original"),
        ChannelSpec(topics.case_events, "send", (ce.CaseRegistered, ce.ComplaintFiled),
                    description="What happened to a case. Public: no personal data (citizen_ref is a pseudonym)."),
        ChannelSpec(topics.case_events, "receive", tuple(model for model, _ in FOLLOWED.values()),
                    description="Routing's reports, followed so intake knows which cases are still open."),
        ChannelSpec(topics.case_contacts, "send", (CaseContacts,), tombstones=True,
                    description="Restricted and compacted: the citizen's contact details for notification. A "
                                "tombstone (null value) for a case erases them."),
    ]

