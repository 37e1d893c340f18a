"""What a case's timeline shows of an event: its type, when, and safe fields only (ids, codes, levels, times;
free text arrives masked by ``events.scrub``)."""

from __future__ import annotations

from typing import Any

from slrt_reporting.domain.events import Event

FIELDS = ("referral_id", "programme", "owner_id", "owner_name", "status", "reason", "from_level", "to_level",
          "level", "deadline", "due_at", "case_deadline", "complaint_id", "channel", "template", "recipient",
          "attempts", "case_number", "note")
TEXT_LENGTH = 500
#: Among events of the same moment (routing writes a referral's answer and the case's resolution together),
#: the order in which they happened.
SAME_MOMENT_ORDER = ("case.registered", "referral.dispatched", "referral.accepted", "referral.in_progress",
                     "referral.rejected", "referral.resolved", "complaint.filed", "case.escalated", "case.overdue",
                     "case.resolved", "case.closed", "case.reopened", "notification.sent", "notification.failed")


def rank(kind: str) -> int:
    return SAME_MOMENT_ORDER.index(kind) if kind in SAME_MOMENT_ORDER else len(SAME_MOMENT_ORDER)


def entry(event: Event) -> dict[str, Any]:
    """The fields of ``event`` the timeline keeps (``type`` and ``at`` are columns of their own)."""
    kept: dict[str, Any] = {}
    for name in FIELDS:
        value = event.data.get(name)
        if value is None:
            continue
        kept[name] = value[:TEXT_LENGTH] if isinstance(value, str) else value
    return kept
