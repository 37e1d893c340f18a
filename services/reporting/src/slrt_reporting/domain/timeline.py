"""What a case's timeline shows of an event: its type, when, and safe fields only (ids, codes, levels, times).
No free text: an owner's answer shows its reason code and the code's words, never the event's ``reason`` as
sent (older events carried the owner's free text there), and a supervisor's ``note`` is never kept."""

from __future__ import annotations

from typing import Any

from slrt_contracts.codes import reason_words

from slrt_reporting.domain.events import Event
from slrt_reporting.domain.referral import known_code

FIELDS = ("referral_id", "programme", "owner_id", "owner_name", "status", "reason", "reason_code", "from_level",
          "to_level", "level", "deadline", "due_at", "case_deadline", "complaint_id", "channel", "template",
          "recipient", "attempts", "case_number")
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
    data = event.data
    if event.kind.startswith("referral.") and event.kind != "referral.dispatched":
        code = known_code(data.get("reason_code"))
        data = {**data, "reason_code": code, "reason": reason_words(code)}
    kept: dict[str, Any] = {}
    for name in FIELDS:
        value = data.get(name)
        if value is None:
            continue
        kept[name] = value[:TEXT_LENGTH] if isinstance(value, str) else value
    return kept
