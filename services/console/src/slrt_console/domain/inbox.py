"""A programme owner's inbox: the referrals addressed to them, sorted into new, due soon and overdue, and what
an answer to several at once asks of routing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from slrt_contracts.codes import REASON_FOR, ReasonCode, ReferralStatus

DUE_SOON = timedelta(days=2)
#: The answers an owner gives from the inbox, in the order offered.
ANSWERS = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.RESOLVED, ReferralStatus.REJECTED)


def due(item: Mapping[str, Any]) -> datetime | None:
    value = item.get("due_at")
    return datetime.fromisoformat(value) if value else None


def sort_out(items: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, list[Mapping[str, Any]]]:
    """``overdue`` (past due), ``soon`` (due within two days), ``new`` (dispatched, not yet answered), ``open``."""
    groups: dict[str, list[Mapping[str, Any]]] = {"overdue": [], "soon": [], "new": [], "open": []}
    for item in items:
        when = due(item)
        if when is not None and when <= now:
            groups["overdue"].append(item)
        elif when is not None and when - now <= DUE_SOON:
            groups["soon"].append(item)
        elif item.get("status") == ReferralStatus.DISPATCHED:
            groups["new"].append(item)
        else:
            groups["open"].append(item)
    return groups


def reasons_for(status: ReferralStatus) -> list[ReasonCode]:
    return [code for code, meant in REASON_FOR.items() if status in meant]


def answer_body(status: str, reason_code: str, note: str) -> dict[str, Any]:
    """Routing's ``StatusBody`` for one answer (its own rules judge it; empty inputs are absent)."""
    body: dict[str, Any] = {"status": status}
    if reason_code:
        body["reason_code"] = reason_code
    if note:
        body["note"] = note
    return body
