"""``/v1/stats``: everything from the counters the projection keeps (two indexed reads, whatever the number of
cases): the region's own counters, and a few of each region one level below for drilling down."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts import regions
from slrt_contracts.codes import Level
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_reporting.adapters import tables as t
from slrt_reporting.domain.facts import DAY_STATUSES, RESOLUTION_LABELS
from slrt_reporting.domain.small_counts import SmallCounts, hidden_in_group, hide_ppks

By = dict[str, dict[str, int]]
CHILD_DIMENSIONS = ("total", "status", "overdue", "escalated")


def _rate(good: int, bad: int) -> float | None:
    return round(good / (good + bad), 4) if good + bad else None


def _split(values: dict[str, int]) -> dict[str, dict[str, int]]:
    """``{"PKH|referred": 3}`` -> ``{"PKH": {"referred": 3}}``."""
    out: dict[str, dict[str, int]] = {}
    for key, n in values.items():
        outer, _, inner = key.partition("|")
        out.setdefault(outer, {})[inner] = n
    return out


def _compliance(by: By, met: str, missed: str, open_: str | None = None) -> dict[str, dict[str, Any]]:
    keys = sorted(set(by.get(met, {})) | set(by.get(missed, {})) | set(by.get(open_ or "", {})))
    out = {}
    for key in keys:
        good, bad = by.get(met, {}).get(key, 0), by.get(missed, {}).get(key, 0)
        out[key] = {"met": good, "missed": bad, "compliance": _rate(good, bad)}
        if open_:
            out[key]["open"] = by.get(open_, {}).get(key, 0)
    return out


def _notifications(by: By) -> dict[str, Any]:
    sent, failed = by.get("notification_sent", {}), by.get("notification_failed", {})
    channels = sorted(set(sent) | set(failed))
    return {"sent": sent, "failed": failed,
            "delivery_rate": {c: _rate(sent.get(c, 0), failed.get(c, 0)) for c in channels},
            "overall_delivery_rate": _rate(sum(sent.values()), sum(failed.values()))}


async def _counters(session: AsyncSession, codes: list[str], dimensions: tuple[str, ...] | None = None) -> dict:
    c = t.counters.c
    query = sa.select(c.region, c.dimension, c.value, c.count).where(c.region.in_(codes), c.count != 0)
    if dimensions:
        query = query.where(c.dimension.in_(dimensions))
    out: dict[str, By] = {}
    for row in (await session.execute(query)).all():
        out.setdefault(row.region, {}).setdefault(row.dimension, {})[row.value] = int(row.count)
    return out


async def by_region(session: AsyncSession, region: str) -> list[dict[str, Any]]:
    """The regions one level below ``region`` that have cases: totals, open, overdue, escalated."""
    if region != "nasional" and regions.level_of(region) is Level.DESA:
        return []
    kids = regions.children(region)
    found = await _counters(session, [code for code, _ in kids], CHILD_DIMENSIONS)
    out = []
    for code, name in kids:
        by = found.get(code)
        if not by:
            continue
        status = by.get("status", {})
        out.append({"code": code, "name": name, "total": by.get("total", {}).get("", 0),
                    "open": sum(status.get(s, 0) for s in ("registered", "referred", "in_progress")),
                    "resolved": status.get("resolved", 0) + status.get("closed", 0),
                    "overdue": by.get("overdue", {}).get("open", 0),
                    "escalated": by.get("escalated", {}).get("any", 0)})
    return out


async def withheld_cells(session: AsyncSession, region: str, rule: SmallCounts) -> set[str]:
    """The ``by_ppks`` cells ``region`` hides from an analyst, decided level by level from ``nasional`` down, each
    level's children together (``hidden_in_group``): the PPKS counters and totals of every region on the way and
    of their siblings, in one read."""
    if not rule.sensitive:
        return set()
    chain = ["nasional", *([] if region == "nasional" else regions.ancestors(region))]
    groups = [["nasional"], *([code for code, _ in regions.children(parent)] for parent in chain[:-1])]
    c = t.counters.c
    query = sa.select(c.region, c.dimension, c.value, c.count).where(
        c.region.in_(sorted({code for group in groups for code in group})),
        sa.or_(sa.and_(c.dimension == "total", c.value == ""), c.dimension == "ppks"), c.count != 0)
    found: dict[str, dict[str, dict[str, int]]] = {}
    for row in (await session.execute(query)).all():
        found.setdefault(row.region, {}).setdefault(row.dimension, {})[row.value] = int(row.count)
    parent_hidden: set[str] | None = None
    for at, group in zip(chain, groups, strict=True):
        cells = {code: (found.get(code, {}).get("ppks", {}), found.get(code, {}).get("total", {}).get("", 0))
                 for code in group}
        parent_hidden = hidden_in_group(rule, parent_hidden, cells)[at]
    return parent_hidden or set()


async def stats(session: AsyncSession, region: str, *, visible: bool = True,
                small_counts: SmallCounts | None = None) -> dict[str, Any]:
    """The figures of ``region``; not ``visible`` (outside the caller's scope): those of a region without cases.
    With ``small_counts`` (an analyst asks): sensitive PPKS cells hidden as ``domain.small_counts`` says."""
    by: By = (await _counters(session, [region])).get(region, {}) if visible else {}
    total = by.get("total", {}).get("", 0)
    sla = by.get("sla", {})
    escalated = by.get("escalated", {})
    resolved = sum(by.get("resolution_time", {}).values())
    per_day = _split(by.get("status_day", {}))
    by_ppks: dict[str, int | None] = dict(by.get("ppks", {}))
    suppressed: list[str] = []
    if small_counts is not None:
        also = await withheld_cells(session, region, small_counts) if visible else set()
        by_ppks, suppressed = hide_ppks(small_counts, by.get("ppks", {}), total, also=also)
    return {
        "region": region, "region_name": regions.region_name(region),
        "region_level": "nasional" if region == "nasional" else regions.level_of(region).value,
        "time_zone": regions.time_zone_of(region).key if region != "nasional" else None,
        "total": total, "by_status": by.get("status", {}), "by_level": by.get("level", {}),
        "by_ppks": by_ppks, "suppressed": suppressed, "by_programme": by.get("programme", {}),
        "by_programme_status": _split(by.get("programme_status", {})),
        "escalated": escalated.get("any", 0),
        "escalation_funnel": {"desa": by.get("started", {}).get("desa", 0),
                              "kecamatan": escalated.get("kecamatan", 0), "kabupaten": escalated.get("kabupaten", 0),
                              "overdue": by.get("overdue", {}).get("ever", 0)},
        "overdue": by.get("overdue", {}).get("open", 0), "overdue_ever": by.get("overdue", {}).get("ever", 0),
        "sla_compliance": _rate(sla.get("met", 0), sla.get("missed", 0)),
        "sla": {"met": sla.get("met", 0), "missed": sla.get("missed", 0)},
        "sla_by_owner": _compliance(by, "owner_met", "owner_missed", "owner_open"),
        "sla_by_programme": _compliance(by, "programme_met", "programme_missed"),
        "registered_per_day": dict(sorted(by.get("registered_day", {}).items())),
        "resolved_per_day": dict(sorted(by.get("resolved_day", {}).items())),
        "per_day_by_status": {s: dict(sorted(per_day.get(s, {}).items())) for s in DAY_STATUSES},
        "time_to_resolution": {label: by.get("resolution_time", {}).get(label, 0) for label in RESOLUTION_LABELS},
        "mean_resolution_hours": round(by.get("resolution_secs", {}).get("", 0) / resolved / 3600, 2)
        if resolved else None,
        "notifications": _notifications(by),
        "by_region": await by_region(session, region) if visible else [],
        "as_of": datetime.now(UTC).isoformat(),
    }
