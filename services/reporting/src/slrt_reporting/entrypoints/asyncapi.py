"""``GET /asyncapi``: the AsyncAPI 3.0 document of the topics reporting reads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from slrt_contracts.notification_events import NotificationFailed, NotificationSent
from slrt_contracts.registry import EVENT_TYPES
from slrt_contracts.topics import CASE_EVENTS, Topics
from slrt_shared.asyncapi import ChannelSpec, asyncapi_document

router = APIRouter(tags=["docs"])


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


@router.get("/asyncapi", operation_id="get_asyncapi", summary="AsyncAPI 3.0 document of reporting's topics")
async def asyncapi(request: Request) -> dict[str, Any]:
    return asyncapi_document("reporting", reporting_channels(request.app.state.reporting.settings.topics),
                             version=request.app.version)
