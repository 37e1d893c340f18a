"""Read side for cases: one case, the filtered list (keyset pagination on indexes), the export rows."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts import regions
from slrt_contracts.codes import Level
from slrt_shared.db import utc
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_reporting.adapters import tables as t
from slrt_reporting.domain.case import OPEN, owners

REGION_COLUMN = {Level.DESA: t.cases.c.region_code, Level.KECAMATAN: t.cases.c.kecamatan_code,
                 Level.KABUPATEN: t.cases.c.kabupaten_code, Level.PROVINSI: t.cases.c.provinsi_code}


def iso(value: datetime | None) -> str | None:
    return utc(value).isoformat() if value else None


def region_clause(region: str | None) -> Any:
    if not region or region == "nasional":
        return sa.true()
    return REGION_COLUMN[regions.level_of(region)] == region


def overdue_now(case: Any) -> bool:
    """Past its last SLA clock at kabupaten (``case.overdue``) and still open."""
    return bool(case["overdue"]) and case["status"] in OPEN


def summary(case: Any) -> dict[str, Any]:
    desa = regions.find_desa(case["region_code"]) if case["region_code"] else None
    return {
        "case_id": case["case_id"], "case_number": case["case_number"], "status": case["status"],
        "level": case["level"], "region_code": case["region_code"], "region_name": desa.name if desa else None,
        "channel": case["channel"], "ppks": case["ppks"], "needs": case["needs"],
        "owners": owners(dict(case)), "registered_at": iso(case["registered_at"]),
        "resolved_at": iso(case["resolved_at"]), "closed_at": iso(case["closed_at"]),
        "deadline": iso(case["deadline"]), "overdue": overdue_now(case),
        "escalated": bool(case["reached_kecamatan"] or case["reached_kabupaten"]),
        "complaints": case["complaints"], "updated_at": iso(case["last_event_at"]),
    }


async def case_view(session: AsyncSession, case_id: str) -> dict[str, Any] | None:
    """The case with its referrals and timeline; ``None`` until its registration is known."""
    case = (await session.execute(sa.select(t.cases).where(t.cases.c.case_id == case_id))).mappings().first()
    if case is None or case["registered_at"] is None:
        return None
    refs = (await session.execute(sa.select(t.referrals).where(t.referrals.c.case_id == case_id)
                                  .order_by(t.referrals.c.due_at, t.referrals.c.referral_id))).mappings().all()
    events = (await session.execute(sa.select(t.timeline).where(t.timeline.c.case_id == case_id)
                                    .order_by(t.timeline.c.at, t.timeline.c.rank,
                                              t.timeline.c.id))).mappings().all()
    desa = regions.find_desa(case["region_code"])
    return {
        **summary(case),
        "region": {"desa": desa.name, "kecamatan": desa.kecamatan, "kabupaten": desa.kabupaten,
                   "provinsi": desa.provinsi} if desa else None,
        "time_zone": regions.time_zone_of(case["region_code"]).key,
        "referrals": [{"referral_id": r["referral_id"], "programme": r["programme"], "owner_id": r["owner_id"],
                       "owner_name": r["owner_name"], "status": r["status"], "reason_code": r["reason_code"],
                       "reason": r["reason"],
                       "due_at": iso(r["due_at"]), "answered_at": iso(r["answered_at"])} for r in refs],
        "timeline": [{"type": e["type"], "at": iso(e["at"]), **e["data"]} for e in events],
    }


@dataclass(frozen=True)
class CaseFilter:
    region: str | None = None
    status: str | None = None
    level: str | None = None
    case_number: str | None = None
    overdue: bool | None = None
    visible: bool = True  # False: the region lies outside the caller's scope, so nothing in it is shown

    def clauses(self) -> list[Any]:
        c = t.cases.c
        out = [region_clause(self.region), c.registered_at.is_not(None)]
        if not self.visible:
            out.append(sa.false())
        if self.status:
            out.append(c.status == self.status)
        if self.level:
            out.append(c.level == self.level)
        if self.case_number:
            out.append(c.case_number == self.case_number)
        if self.overdue is not None:
            late = sa.and_(c.overdue.is_(True), c.status.in_(sorted(OPEN)))
            out.append(late if self.overdue else sa.not_(late))
        return out

    def counter(self) -> tuple[str, str] | None:
        """The counter that holds this filter's total, when one does (no scan needed)."""
        chosen = [f for f in (self.status, self.level, self.case_number, self.overdue) if f is not None]
        if not chosen:
            return ("total", "")
        if len(chosen) > 1:
            return None
        if self.status:
            return ("status", self.status)
        if self.level:
            return ("level", self.level)
        if self.overdue is True:
            return ("overdue", "open")
        return None


def encode_cursor(case: Any) -> str:
    raw = json.dumps([iso(case["registered_at"]), case["case_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Raises ``ValueError`` (or a subclass) for anything this API did not hand out."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    at, case_id = json.loads(raw)
    if not isinstance(at, str) or not isinstance(case_id, str):
        raise ValueError("not a cursor")
    parsed = datetime.fromisoformat(at)
    return (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed), case_id


async def counted(session: AsyncSession, region: str | None, dimension: str, value: str) -> int:
    c = t.counters.c
    found = await session.scalar(sa.select(c.count).where(
        c.region == (region or "nasional"), c.dimension == dimension, c.value == value))
    return int(found or 0)


async def list_cases(session: AsyncSession, where: CaseFilter, *, limit: int, cursor: str | None) -> dict:
    """A page of cases, newest first, with the total from the counters when they hold it."""
    c = t.cases.c
    query = sa.select(t.cases).where(*where.clauses())
    if cursor:
        at, case_id = decode_cursor(cursor)
        query = query.where(sa.or_(c.registered_at < at, sa.and_(c.registered_at == at, c.case_id < case_id)))
    rows = (await session.execute(query.order_by(c.registered_at.desc(), c.case_id.desc()).limit(limit + 1))
            ).mappings().all()
    counter = where.counter()
    if not where.visible:
        total = 0
    elif counter is not None:
        total = await counted(session, where.region, *counter)
    else:
        total = int(await session.scalar(sa.select(sa.func.count()).select_from(t.cases)
                                         .where(*where.clauses())) or 0)
    page = rows[:limit]
    return {"items": [summary(r) for r in page], "total": total,
            "next_cursor": encode_cursor(page[-1]) if len(rows) > limit else None}


EXPORT_FIELDS = ["case_id", "case_number", "region_code", "region_name", "status", "level", "programmes", "ppks",
                 "channel", "owners", "registered_at", "resolved_at", "closed_at", "deadline", "overdue",
                 "escalated", "complaints"]


async def export_rows(session: AsyncSession, region: str | None, *, visible: bool = True,
                      hidden_ppks: frozenset[int] = frozenset()) -> AsyncIterator[dict[str, Any]]:
    """One row per case; ``hidden_ppks`` (sensitive PPKS, for an analyst) left out of every row's ``ppks``."""
    query = (sa.select(t.cases).where(*CaseFilter(region=region, visible=visible).clauses())
             .order_by(t.cases.c.registered_at, t.cases.c.case_id))
    result = await session.stream(query.execution_options(yield_per=1000))
    async for case in result.mappings():
        row = summary(case)
        yield {**{k: row.get(k) for k in EXPORT_FIELDS}, "programmes": " ".join(case["needs"] or []),
               "ppks": " ".join(str(p) for p in case["ppks"] or [] if p not in hidden_ppks),
               "owners": " ".join(row["owners"])}
