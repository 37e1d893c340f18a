"""What routing shows: a case with its referrals and supervisors' escalations, and a list of referrals (an
owner's inbox, a supervisor's region), each limited to what the caller reaches. Each read leaves audit rows: one
for the case, or one per case the page of referrals showed (their reasons and notes are free text that may name
people)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from slrt_contracts.codes import ReferralStatus
from slrt_shared import audit
from slrt_shared.access.principal import Principal, Role
from slrt_shared.access.queries import within
from slrt_shared.db import utc
from slrt_shared.paging import decode_cursor, encode_cursor

from slrt_routing.adapters import tables as t
from slrt_routing.service_layer.answers import referral_view
from slrt_routing.service_layer.context import Routing
from slrt_routing.service_layer.timers import UnknownCase


async def case_view(routing: Routing, *, case_id: str, principal: Principal) -> dict[str, Any]:
    """The case, its clock and referrals; unknown when the caller does not reach it (an owner: no referral of
    the case is addressed to it)."""
    async with routing.sessions() as session, session.begin():
        case = (await session.execute(sa.select(t.cases).where(t.cases.c.case_id == case_id))).first()
        if case is None:
            raise UnknownCase("no such case")
        refs = (await session.execute(sa.select(t.referrals).where(t.referrals.c.case_id == case_id)
                                      .order_by(t.referrals.c.created_at))).all()
        escalations = (await session.execute(sa.select(t.escalations).where(t.escalations.c.case_id == case_id)
                                             .order_by(t.escalations.c.at, t.escalations.c.escalation_id))).all()
        if principal.role is Role.OWNER:
            visible = any(r.owner_id == principal.owner for r in refs)
        else:
            visible = principal.covers(case.region_code)
        if not visible:
            raise UnknownCase("no such case")
        await audit.record(session, t.audit_log, principal=principal, action="case_viewed", case_id=case_id)
    return {
        "case_id": case.case_id, "case_number": case.case_number, "status": case.status, "level": case.level,
        "region_code": case.region_code, "rules_version": case.rules_version, "overdue": case.overdue,
        "deadline": utc(case.deadline).isoformat() if case.deadline else None,
        "referrals": [referral_view(r) for r in refs],
        "escalations": [escalation_view(e, with_note=principal.role is not Role.OWNER) for e in escalations],
    }


def escalation_view(row: Any, *, with_note: bool) -> dict[str, Any]:
    """A supervisor's escalation; its note (free text) for the region's people, not for programme owners."""
    return {"from_level": row.from_level, "to_level": row.to_level, "at": utc(row.at).isoformat(),
            "note": row.note if with_note else None, "actor": row.actor if with_note else None}


async def referrals(routing: Routing, *, principal: Principal, status: ReferralStatus | None, limit: int,
                    cursor: str | None) -> dict[str, Any]:
    """Active referrals the caller reaches, oldest first (what waits longest comes first), ``limit`` at a time:
    an owner's are those addressed to it, anyone else's those of cases in scope."""
    r, c = t.referrals.c, t.cases.c
    query = (sa.select(t.referrals, c.case_number, c.region_code)
             .join(t.cases, c.case_id == r.case_id).where(r.replaced_by.is_(None)))
    if principal.role is Role.OWNER:
        query = query.where(r.owner_id == principal.owner)
    else:
        query = query.where(within(c.region_code, principal.scope))
    if status is not None:
        query = query.where(r.status == status.value)
    if cursor:
        at, referral_id = decode_cursor(cursor)
        query = query.where(sa.or_(r.created_at > at, sa.and_(r.created_at == at, r.referral_id > referral_id)))
    async with routing.sessions() as session, session.begin():
        rows = (await session.execute(query.order_by(r.created_at, r.referral_id).limit(limit + 1))).all()
        await audit.record_cases(session, t.audit_log, principal=principal, action="referrals_listed",
                                 case_ids=[row.case_id for row in rows[:limit]])
    page = rows[:limit]
    items = [{**referral_view(row), "case_number": row.case_number, "region_code": row.region_code} for row in page]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(page[-1].created_at, page[-1].referral_id) if more else None}
