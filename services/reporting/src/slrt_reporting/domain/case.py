"""How an event changes the read model of a case: pure functions, no I/O.

Events of one case may arrive twice (the inbox drops those) or in any order. So the read model is built from
facts that merge the same whatever the order, and the shown values are derived from them:

- each case status is remembered with the latest moment an event asserted it (``status_times``); a reopening
  starts a new episode (``opened_at``, the latest reopening). The status is the furthest one along
  ``registered → referred → in_progress → resolved → closed`` asserted in the current episode. Within an
  episode a case only moves forward, so a late, older event never moves it back, and an event of an earlier
  episode no longer counts once the reopening is known;
- level and deadline are last-writer-wins by event moment (ties broken by the higher level / later deadline);
- the first moment each status was reached (``milestones``) is the earliest seen; escalation flags only turn
  on; complaints and notification outcomes are counted.

Applying the same events in any order gives the same case, which is what lets ``replay`` promise identical
read models.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slrt_contracts.codes import CaseStatus, Level
from slrt_contracts.regions import parent_at

from slrt_reporting.domain.events import Event, iso, parse_time

STATUS_ORDER = [s.value for s in CaseStatus]  # registered, referred, in_progress, resolved, closed
OPEN = frozenset({"registered", "referred", "in_progress"})
LEVEL_ORDER = [lv.value for lv in Level]
MUTABLE_FIELDS = (  # JSON fields the rules change in place (one level deep); the others are replaced
    "status_times", "milestones", "notifications")
Case = dict[str, Any]


def new_case(case_id: str) -> Case:
    return {"case_id": case_id, "case_number": None, "region_code": None, "kecamatan_code": None,
            "kabupaten_code": None, "provinsi_code": None, "channel": None, "start_level": None,
            "level": None, "level_at": None, "status": None, "status_at": None, "status_times": {},
            "opened_at": None, "ppks": [], "needs": [], "registered_at": None, "resolved_at": None,
            "closed_at": None, "deadline": None, "deadline_at": None, "overdue": False, "overdue_at": None,
            "reached_kecamatan": False, "reached_kabupaten": False, "complaints": 0, "milestones": {},
            "notifications": {}, "referral_outcomes": {}, "last_event_at": None}


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)


def _assert_status(case: Case, status: str, at: datetime) -> None:
    times = case["status_times"]
    times[status] = iso(_later(parse_time(times.get(status)), at))
    first = parse_time(case["milestones"].get(status))
    case["milestones"][status] = iso(at if first is None or at < first else first)


def _set_level(case: Case, level: str | None, at: datetime) -> None:
    if not level:
        return
    held = case["level_at"]
    if held is None or at > held or (at == held and LEVEL_ORDER.index(level) > LEVEL_ORDER.index(case["level"])):
        case.update(level=level, level_at=at)


def _set_deadline(case: Case, deadline: datetime | None, at: datetime) -> None:
    if deadline is None:
        return
    held = case["deadline_at"]
    if held is None or at > held or (at == held and deadline > case["deadline"]):
        case.update(deadline=deadline, deadline_at=at)


def _registered(case: Case, e: Event) -> None:
    region = e.data["region_code"]
    case.update(case_number=e.data["case_number"], region_code=region, channel=e.data["channel"],
                kecamatan_code=parent_at(region, Level.KECAMATAN) if region.count(".") >= 2 else None,
                kabupaten_code=parent_at(region, Level.KABUPATEN) if region.count(".") >= 1 else None,
                provinsi_code=parent_at(region, Level.PROVINSI), start_level=e.data["level"],
                ppks=sorted(set(e.data["ppks"])), needs=list(dict.fromkeys(e.data["needs"])),
                registered_at=e.at)
    _assert_status(case, "registered", e.at)
    _set_level(case, e.data["level"], e.at)


def _dispatched(case: Case, e: Event) -> None:
    _assert_status(case, "referred", e.at)
    if case["case_number"] is None and e.data.get("case_number"):
        case["case_number"] = e.data["case_number"]
    _set_level(case, e.data.get("case_level"), e.at)
    _set_deadline(case, e.time("case_deadline"), e.at)


def _taken_up(case: Case, e: Event) -> None:
    _assert_status(case, "in_progress", e.at)


def _escalated(case: Case, e: Event) -> None:
    to_level = e.data["to_level"]
    _set_level(case, to_level, e.at)
    _set_deadline(case, e.time("deadline"), e.at)
    if to_level == Level.KECAMATAN.value:
        case["reached_kecamatan"] = True
    if to_level == Level.KABUPATEN.value:
        case["reached_kabupaten"] = True


def _overdue(case: Case, e: Event) -> None:
    case["overdue_at"] = _later(case["overdue_at"], e.at)
    _set_level(case, e.data.get("level"), e.at)


def _milestone(status: str) -> Callable[[Case, Event], None]:
    def apply(case: Case, e: Event) -> None:
        _assert_status(case, status, e.at)
        _set_level(case, e.data.get("level"), e.at)

    return apply


def _reopened(case: Case, e: Event) -> None:
    case["opened_at"] = _later(case["opened_at"], e.at)
    _set_level(case, e.data.get("level"), e.at)
    _set_deadline(case, e.time("deadline"), e.at)


def _complaint(case: Case, e: Event) -> None:
    case["complaints"] = int(case["complaints"] or 0) + 1


def _notification(case: Case, e: Event) -> None:
    key = f"{e.kind.removeprefix('notification.')}:{e.data['channel']}"
    case["notifications"][key] = int(case["notifications"].get(key, 0)) + 1


RULES: dict[str, Callable[[Case, Event], None]] = {
    "case.registered": _registered,
    "referral.dispatched": _dispatched,
    "referral.accepted": _taken_up,
    "referral.in_progress": _taken_up,
    "case.escalated": _escalated,
    "case.overdue": _overdue,
    "case.resolved": _milestone("resolved"),
    "case.closed": _milestone("closed"),
    "case.reopened": _reopened,
    "complaint.filed": _complaint,
    "notification.sent": _notification,
    "notification.failed": _notification,
}


def derive(case: Case) -> Case:
    """The shown values (status, resolved/closed times, overdue) from the merged facts."""
    opened = case["opened_at"]
    current = {s: t for s, raw in case["status_times"].items()
               if (t := parse_time(raw)) is not None and (opened is None or t >= opened)}
    if current:
        status = max(current, key=STATUS_ORDER.index)
        case.update(status=status, status_at=current[status])
    elif opened is not None:
        case.update(status=CaseStatus.REFERRED.value, status_at=opened)
    else:
        case.update(status=None, status_at=None)
    done = case["status"] in ("resolved", "closed")
    case["resolved_at"] = current.get("resolved") if done else None
    case["closed_at"] = current.get("closed") if case["status"] == "closed" else None
    overdue_at = case["overdue_at"]
    case["overdue"] = overdue_at is not None and (opened is None or overdue_at >= opened)
    return case


def apply(case: Case, event: Event) -> Case:
    """The case after ``event`` (a new dict; ``case`` is left as it was)."""
    after = {**case, **{k: dict(case[k]) for k in MUTABLE_FIELDS}}
    rule = RULES.get(event.kind)
    if rule is not None:
        rule(after, event)
    after["last_event_at"] = _later(after["last_event_at"], event.at)
    return derive(after)


def with_referral(case: Case, referral_id: str, outcome: dict[str, Any]) -> Case:
    """The case with one of its referrals' summary (owner, programme, status, SLA outcome) updated."""
    outcomes = {**case["referral_outcomes"], referral_id: outcome}
    return {**case, "referral_outcomes": outcomes}


def owners(case: Case) -> list[str]:
    """The programme owners handling the case now (those who have not rejected it)."""
    return sorted({o["owner"] for o in case["referral_outcomes"].values() if o.get("owner")
                   and o.get("status") != "rejected"})


def is_open(case: Case) -> bool:
    return case["status"] in OPEN
