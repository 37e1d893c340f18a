"""What routing shows: a case with its referrals, and a list of referrals (an owner's inbox, a supervisor's
region), each limited to what the caller reaches."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from slrt_shared.access.principal import Principal, Role
from slrt_shared.access.queries import within
from slrt_shared.codes import ReferralStatus
from slrt_shared.db import utc
from slrt_shared.paging import decode_cursor, encode_cursor

from slrt_routing.adapters import tables as t
from slrt_routing.service_layer.answers import referral_view
from slrt_routing.service_layer.context import Routing
from slrt_routing.service_layer.timers import UnknownCase


async def case_view(routing: Routing, *, case_id: str, principal: Principal) -> dict[str, Any]:
    """The case, its clock and referrals; unknown when the caller does not reach it (an owner: no referral of
    the case is addressed to it)."""
    async with routing.sessions() as session:
        case = (await session.execute(sa.select(t.cases).where(t.cases.c.case_id == case_id))).first()
        if case is None:
            raise UnknownCase("no such case")
        refs = (await session.execute(sa.select(t.referrals).where(t.referrals.c.case_id == case_id)
                                      .order_by(t.referrals.c.created_at))).all()
    if principal.role is Role.OWNER:
        visible = any(r.owner_id == principal.owner for r in refs)
    else:
        visible = principal.covers(case.region_code)
    if not visible:
        raise UnknownCase("no such case")
    return {
        "case_id": case.case_id, "case_number": case.case_number, "status": case.status, "level": case.level,
        "region_code": case.region_code, "rules_version": case.rules_version, "overdue": case.overdue,
        "deadline": utc(case.deadline).isoformat() if case.deadline else None,
        "referrals": [referral_view(r) for r in refs],
    }


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
    async with routing.sessions() as session:
        rows = (await session.execute(query.order_by(r.created_at, r.referral_id).limit(limit + 1))).all()
    page = rows[:limit]
    items = [{**referral_view(row), "case_number": row.case_number, "region_code": row.region_code} for row in page]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(page[-1].created_at, page[-1].referral_id) if more else None}
