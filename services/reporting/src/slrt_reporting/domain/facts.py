"""The facts a case contributes to the counters of every region that contains it.

``/v1/stats`` reads counters kept current by the projection (one row per region × dimension × value, for the
desa, its kecamatan, kabupaten/kota, province and ``nasional``), so a dashboard never scans the cases. When an
event changes a case, the counters move by the difference between its facts before and after; summed over a
case's history that is exactly the facts of its final state, whatever the order of its events.

A fact may weigh more than one (notifications sent, seconds to resolution).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from slrt_contracts.regions import ancestors, time_zone_of

from slrt_reporting.domain.events import parse_time

Fact = tuple[str, str]
Move = tuple[str, str, str]
RESOLUTION_BUCKETS = ((1, "<1d"), (3, "1-3d"), (7, "3-7d"), (14, "7-14d"), (30, "14-30d"))
RESOLUTION_LABELS = [*(label for _, label in RESOLUTION_BUCKETS), ">30d"]
DAY_STATUSES = ("registered", "referred", "in_progress", "resolved", "closed")


def resolution_bucket(took: timedelta) -> str:
    """Time from registration to resolution, in calendar days, as a histogram bucket."""
    days = took.total_seconds() / 86_400
    return next((label for limit, label in RESOLUTION_BUCKETS if days < limit), ">30d")


def local_day(at: datetime, region_code: str) -> str:
    """The calendar day in the desa's time zone (WIB, WITA or WIT)."""
    return at.astimezone(time_zone_of(region_code)).date().isoformat()


def _resolution(case: dict[str, Any], out: Counter[Fact]) -> None:
    resolved, registered, region = case["resolved_at"], case["registered_at"], case["region_code"]
    if resolved is None:
        return
    out[("resolved_day", local_day(resolved, region))] += 1
    took = max(resolved - registered, timedelta(0))
    out[("resolution_time", resolution_bucket(took))] += 1
    out[("resolution_secs", "")] += int(took.total_seconds())
    deadline = case["deadline"]
    met = not case["overdue"] and (deadline is None or resolved <= deadline)
    out[("sla", "met" if met else "missed")] += 1


def _referrals(case: dict[str, Any], out: Counter[Fact]) -> None:
    for item in (case.get("referral_outcomes") or {}).values():
        owner, programme, sla = item.get("owner"), item.get("programme"), item.get("sla")
        if owner and sla:
            out[(f"owner_{sla}", owner[:100])] += 1
        if programme and sla:
            out[(f"programme_{sla}", programme)] += 1
        if owner and item.get("status") in ("dispatched", "accepted", "in_progress"):
            out[("owner_open", owner[:100])] += 1


def facts(case: dict[str, Any]) -> Counter[Fact]:
    """Nothing until the case's registration is known (its region, its needs)."""
    out: Counter[Fact] = Counter()
    region, status = case.get("region_code"), case.get("status")
    if not region or not status or case.get("registered_at") is None:
        return out
    out[("total", "")] += 1
    out[("status", status)] += 1
    out[("level", case["level"] or "")] += 1
    out[("started", case["start_level"] or "")] += 1
    for n in case["ppks"] or []:
        out[("ppks", str(n))] += 1
    for need in case["needs"] or []:
        out[("programme", need)] += 1
        out[("programme_status", f"{need}|{status}")] += 1
    if case["reached_kecamatan"] or case["reached_kabupaten"]:
        out[("escalated", "any")] += 1
    for level in ("kecamatan", "kabupaten"):
        if case[f"reached_{level}"]:
            out[("escalated", level)] += 1
    if case["overdue"]:
        out[("overdue", "ever")] += 1
        if status in ("registered", "referred", "in_progress"):
            out[("overdue", "open")] += 1
    out[("registered_day", local_day(case["registered_at"], region))] += 1
    for reached, raw in (case.get("milestones") or {}).items():
        at = parse_time(raw)
        if reached in DAY_STATUSES and at is not None:
            out[("status_day", f"{reached}|{local_day(at, region)}")] += 1
    _resolution(case, out)
    for key, count in (case.get("notifications") or {}).items():
        outcome, _, channel = key.partition(":")
        out[(f"notification_{outcome}"[:20], channel[:20])] += int(count)
    _referrals(case, out)
    return out


@cache
def regions_of(region_code: str) -> tuple[str, ...]:
    """``nasional`` and every region containing the desa, the desa last (at most 83,762 of them: cached)."""
    return ("nasional", *ancestors(region_code))


def delta(before: dict[str, Any] | None, after: dict[str, Any]) -> Counter[Move]:
    """Counter moves (region, dimension, value) -> amount, for a case going from ``before`` to ``after``."""
    old_region = before.get("region_code") if before is not None else None
    new_region = after.get("region_code")
    changes: list[tuple[str | None, dict[Fact, int]]]
    if old_region and old_region == new_region:  # the usual case: the facts' difference, in the same regions
        difference: dict[Fact, int] = dict(facts(after))
        for fact, n in facts(before or {}).items():
            difference[fact] = difference.get(fact, 0) - n
        changes = [(new_region, difference)]
    else:
        changes = [(old_region, {f: -n for f, n in facts(before).items()} if before is not None else {}),
                   (new_region, dict(facts(after)))]
    moves: Counter[Move] = Counter()
    for region_code, by_fact in changes:
        if not region_code:
            continue
        regions = regions_of(region_code)
        for (dimension, value), n in by_fact.items():
            if n:
                for region in regions:
                    moves[(region, dimension, value)] += n
    return Counter({k: v for k, v in moves.items() if v})
