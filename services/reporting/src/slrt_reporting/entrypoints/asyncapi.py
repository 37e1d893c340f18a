"""The topics reporting reads and writes, as the channels of its AsyncAPI document (served at ``/asyncapi`` and
``/asyncapi.html`` by ``slrt_shared.asyncapi``)."""

from __future__ import annotations

from slrt_contracts.notification_events import NotificationFailed, NotificationSent
from slrt_contracts.registry import EVENT_TYPES
from slrt_contracts.topics import CASE_EVENTS, Topics
from slrt_shared.asyncapi import ChannelSpec


def reporting_channels(topics: Topics) -> list[ChannelSpec]:
    case_events = tuple(m for m in EVENT_TYPES.values() if m.topic == CASE_EVENTS)
    return [
        ChannelSpec(topics.case_events, "receive", case_events,
                    description="Every case event, projected into the read models and kept in the event log."),
        ChannelSpec(topics.notification_events, "receive", (NotificationSent, NotificationFailed),
                    description="Delivery outcomes, for the delivery rates."),
        ChannelSpec(Topics.dead_letter(topics.case_events), "send", dead_letters=True, key="as the original",
                    description="Events reporting cannot read or keeps failing on."),
    ]

