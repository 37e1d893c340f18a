"""``slrt.notification.events`` (key ``case_id``): what was sent, or could not be."""

from __future__ import annotations

from typing import ClassVar, Literal

from slrt_contracts.base import EventData
from slrt_contracts.topics import NOTIFICATION_EVENTS


class NotificationOutcome(EventData):
    topic: ClassVar[str] = NOTIFICATION_EVENTS
    case_id: str
    notification_id: str
    channel: Literal["sms", "email"]
    template: str
    attempts: int
    recipient: Literal["citizen", "officer", "supervisor"] = "citizen"
    reason: str | None = None


class NotificationSent(NotificationOutcome):
    ce_type: ClassVar[str] = "id.slrt.notification.sent.v1"


class NotificationFailed(NotificationOutcome):
    ce_type: ClassVar[str] = "id.slrt.notification.failed.v1"
