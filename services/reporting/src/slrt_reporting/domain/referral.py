"""How an event changes the read model of a referral, and what a referral says about its owner's SLA.

A referral only moves forward (``dispatched → accepted / rejected → in_progress → resolved``; a reopened or
re-routed need gets a new referral), so its status is the furthest one seen, ties going to the later event:
the same in any order of arrival. ``referral.dispatched`` may arrive after the owner's answer; it fills in the
programme, the owner and the due date without moving the status back.

An answer is kept as its reason code and the code's words; an event's ``reason`` is not read (older events
carried the owner's free text there).
"""

from __future__ import annotations

from typing import Any

from slrt_contracts.codes import ReferralStatus, reason_words

from slrt_reporting.domain.events import Event

RANK = {"dispatched": 0, "accepted": 1, "in_progress": 2, "rejected": 3, "resolved": 3}
FINAL = frozenset({ReferralStatus.REJECTED.value, ReferralStatus.RESOLVED.value})
Referral = dict[str, Any]


def new_referral(referral_id: str, case_id: str) -> Referral:
    return {"referral_id": referral_id, "case_id": case_id, "programme": None, "owner_id": None,
            "owner_name": None, "status": None, "status_at": None, "reason": None, "reason_code": None,
            "due_at": None, "answered_at": None}


def _supersedes(referral: Referral, status: str, at: Any) -> bool:
    held, held_at = referral["status"], referral["status_at"]
    if held is None:
        return True
    if RANK[status] != RANK[held]:
        return RANK[status] > RANK[held]
    return (at, status) > (held_at, held)


def apply(referral: Referral | None, event: Event) -> Referral:
    """The referral after ``event`` (``referral.*``); a new dict."""
    after = dict(referral or new_referral(event.data["referral_id"], event.case_id))
    if event.kind == "referral.dispatched":
        after.update(programme=event.data["programme"], owner_id=event.data["owner_id"],
                     owner_name=event.data.get("owner_name"), due_at=event.time("due_at"))
        status, code = ReferralStatus.DISPATCHED.value, None
    else:
        status, code = event.kind.removeprefix("referral."), known_code(event.data.get("reason_code"))
    if status in RANK and _supersedes(after, status, event.at):
        after.update(status=status, status_at=event.at, reason_code=code, reason=reason_words(code),
                     answered_at=event.at if status in FINAL else None)
    return after


def known_code(code: object) -> str | None:
    """A reason code this version has words for; anything else is not kept."""
    return code if isinstance(code, str) and reason_words(code) is not None else None


def sla_outcome(referral: Referral) -> str | None:
    """``met`` when the owner gave a final answer (resolved, or rejected with a reason) by the due date,
    ``missed`` when later; ``None`` while there is no final answer or the due date is not known yet."""
    if referral["status"] not in FINAL or referral["due_at"] is None or referral["answered_at"] is None:
        return None
    return "met" if referral["answered_at"] <= referral["due_at"] else "missed"


def outcome(referral: Referral) -> dict[str, Any]:
    """What the case keeps of each of its referrals, for its owners and the SLA counters."""
    return {"owner": referral["owner_id"], "programme": referral["programme"], "status": referral["status"],
            "sla": sla_outcome(referral)}
