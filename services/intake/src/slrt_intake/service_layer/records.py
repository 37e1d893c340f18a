"""Reading cases with personal data: one case, or a citizen's cases. Every read of personal data leaves a row
in the audit log (which case, or which citizen by pseudonym; never the NIK)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts.regions import find_desa
from slrt_shared import audit
from slrt_shared.access.principal import NATIONAL, Principal
from slrt_shared.access.queries import within
from slrt_shared.db import utc
from slrt_shared.paging import decode_cursor, encode_cursor
from slrt_shared.pseudonyms import Pseudonyms
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.service_layer.registration import CaseNotFound, region_names


def _iso(value: datetime | None) -> str | None:
    aware = utc(value)
    return aware.isoformat() if aware else None


def region_view(row: Any) -> dict[str, Any]:
    """The case's desa and the kecamatan, kabupaten/kota and province it lies in, each with code and name."""
    names = row.region_names
    desa = find_desa(row.region_code)
    if names is None and desa is not None:
        names = region_names(desa)
    names = names or {}
    parts = row.region_code.split(".")
    codes = {"provinsi": parts[0], "kabupaten": ".".join(parts[:2]), "kecamatan": ".".join(parts[:3]),
             "desa": row.region_code}
    return {level: {"code": code, "name": names.get(level)} for level, code in codes.items()}


def _blank(value: str | None) -> str | None:
    return value or None  # an erased column holds "": answered as null


def case_record(row: Any, complaints: list[Any]) -> dict[str, Any]:
    body = row.body or {}
    return {
        "case_id": row.case_id, "case_number": row.case_number, "status": row.status, "level": row.level,
        "region_code": row.region_code, "region": region_view(row), "channel": row.channel, "needs": row.needs,
        "ppks": row.ppks, "warnings": row.warnings, "registered_at": _iso(row.registered_at),
        "status_changed_at": _iso(row.status_changed_at), "erased_at": _iso(row.erased_at),
        "citizen": {"nik": _blank(row.nik), "kk": _blank(row.kk), "name": _blank(row.name), "phone": row.phone,
                    "email": row.email, "language": row.language},
        "address": body.get("address"), "household": body.get("household"),
        "description": body.get("description"),
        "complaints": [{"complaint_id": c.complaint_id, "referral_id": c.referral_id, "filed_at": _iso(c.filed_at)}
                       for c in complaints],
    }


#: Programmes whose owners need the citizen's identity to act (a PBI-JK recommendation, a civil-registry
#: document, a DTSEN entry): their owners may read the case's record, each read audited.
IDENTITY_PROGRAMMES = ("PBI-JK", "ADMINDUK", "DTSEN")


async def get_case(*, sessions: async_sessionmaker[AsyncSession], case_id: str, scope: str = NATIONAL,
                   principal: Principal | None = None, owner: str | None = None) -> dict[str, Any]:
    """The case's full record. A case outside ``scope`` is not found, as one that does not exist; so is, for an
    ``owner``, a case none of whose referrals of an identity programme is addressed to it."""
    async with sessions() as session, session.begin():
        row = (await session.execute(sa.select(t.cases).where(
            t.cases.c.case_id == case_id, within(t.cases.c.region_code, scope)))).first()
        programme = None
        if row is not None and owner is not None:
            ro = t.referral_owners.c
            programme = await session.scalar(sa.select(ro.programme).where(
                ro.case_id == case_id, ro.owner_id == owner, ro.programme.in_(IDENTITY_PROGRAMMES)).limit(1))
            if programme is None:
                row = None
        if row is None:
            raise CaseNotFound("no such case")
        complaints = (await session.execute(
            sa.select(t.complaints.c.complaint_id, t.complaints.c.referral_id, t.complaints.c.filed_at)
            .where(t.complaints.c.case_id == case_id).order_by(t.complaints.c.filed_at))).all()
        await audit.record(session, t.audit_log, principal=principal, action="case_viewed", case_id=case_id,
                           citizen_ref=row.citizen_ref,
                           detail={"owner": owner, "programme": programme} if owner else None)
    return case_record(row, list(complaints))


def case_summary(row: Any) -> dict[str, Any]:
    return {"case_id": row.case_id, "case_number": row.case_number, "status": row.status, "level": row.level,
            "region_code": row.region_code, "needs": row.needs, "channel": row.channel,
            "registered_at": _iso(row.registered_at), "status_changed_at": _iso(row.status_changed_at)}


async def citizen_cases(
    *, sessions: async_sessionmaker[AsyncSession], nik: str, pseudonyms: Pseudonyms, limit: int, cursor: str | None,
    scope: str = NATIONAL, principal: Principal | None = None,
) -> dict[str, Any]:
    """The citizen's cases within ``scope``, newest first, ``limit`` at a time (none: the page of an unknown
    NIK). Matched on the NIK: cases whose ``citizen_ref`` was made with a previous pseudonym key are found too.
    The audit row names the citizen by the current key's ref (``pseudonyms.all_refs`` finds every one)."""
    c = t.cases.c
    query = (sa.select(t.cases).where(c.nik == nik, within(c.region_code, scope))
             .order_by(c.registered_at.desc(), c.case_id.desc()))
    if cursor:
        at, case_id = decode_cursor(cursor)
        query = query.where(sa.or_(c.registered_at < at, sa.and_(c.registered_at == at, c.case_id < case_id)))
    async with sessions() as session, session.begin():
        rows = (await session.execute(query.limit(limit + 1))).all()
        ref, shown = pseudonyms.citizen_ref(nik), [r.case_id for r in rows[:limit]]
        if shown:  # a row per case shown, so each case's trail tells of it
            await audit.record_cases(session, t.audit_log, principal=principal, action="citizen_cases_viewed",
                                     case_ids=shown, citizen_ref=ref)
        else:  # looked for, and nothing in scope: still a look at a citizen
            await audit.record(session, t.audit_log, principal=principal, action="citizen_cases_viewed",
                               citizen_ref=ref)
    page = rows[:limit]
    more = len(rows) > limit
    return {"items": [case_summary(r) for r in page],
            "next_cursor": encode_cursor(page[-1].registered_at, page[-1].case_id) if more else None}


def _like(text: str) -> str:
    """``text`` as a LIKE pattern that matches it anywhere, its own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def cases_by_name(*, sessions: async_sessionmaker[AsyncSession], name: str, scope: str, limit: int,
                        principal: Principal | None = None) -> dict[str, Any]:
    """The cases in ``scope`` whose citizen's name holds ``name`` (ignoring case), newest first, at most
    ``limit``; erased cases have no name and are never found. Audited: one row per case shown (the name looked
    for is not kept: it is personal data), or one row when nothing was found."""
    c = t.cases.c
    query = (sa.select(t.cases).where(sa.func.lower(c.name).like(_like(name.strip()), escape="\\"),
                                      c.erased_at.is_(None), within(c.region_code, scope))
             .order_by(c.registered_at.desc(), c.case_id.desc()).limit(limit + 1))
    async with sessions() as session, session.begin():
        rows = (await session.execute(query)).all()
        shown = rows[:limit]
        if shown:
            await audit.record_cases(session, t.audit_log, principal=principal, action="cases_found_by_name",
                                     case_ids=[r.case_id for r in shown])
        else:
            await audit.record(session, t.audit_log, principal=principal, action="cases_found_by_name")
    return {"items": [{**case_summary(r), "name": r.name} for r in shown], "more": len(rows) > limit}
