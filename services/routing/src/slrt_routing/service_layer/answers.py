"""Owners' answers to referrals (``slrt.referral.updates`` or ``POST /v1/referrals/{id}/status``).

A rejection is re-routed to the next owner with authority; when none is left it is escalated to the SLRT
secretariat of the kabupaten/kota (the Manajer SLRT decides); when the secretariat rejects it too, it is
final. The case is resolved when every active referral is resolved or finally rejected.

An answer's ``reason_code`` (a rejection without one is ``other``) goes out on the public events as the code's
words; the owner's free-text ``reason`` and ``note`` stay in routing's table, readable in scope.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts.case_events import REFERRAL_STATUS_EVENTS, CaseResolved
from slrt_contracts.codes import CaseStatus, Level, Programme, ReasonCode, ReferralStatus, reason_words
from slrt_shared import audit
from slrt_shared.access.principal import Principal
from slrt_shared.db import utc
from slrt_shared.errors import PermanentError
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_routing.adapters import tables as t
from slrt_routing.domain import referral as lifecycle
from slrt_routing.service_layer.context import Routing, clear_timer, locked_case, set_timer
from slrt_routing.service_layer.dispatch import dispatch_referral, fallback_owner, routable


class UnknownReferral(PermanentError):
    pass


async def answer_referral(
    routing: Routing, session: AsyncSession, *, referral_id: str, case_id: str | None, status: ReferralStatus,
    reason: str | None = None, note: str | None = None, reason_code: ReasonCode | None = None,
    now: datetime | None = None, principal: Principal | None = None,
) -> dict[str, Any]:
    """Answer a referral. With a ``principal``, a referral it does not reach (another owner's, a case outside
    the scope) is unknown, exactly as one that does not exist, and an answer is audited as the principal's."""
    now = now or datetime.now(UTC)
    row = (await session.execute(sa.select(t.referrals).where(t.referrals.c.referral_id == referral_id))).first()
    if row is None or (case_id is not None and row.case_id != case_id):
        raise UnknownReferral("no such referral")
    case = await locked_case(session, row.case_id)
    if principal is not None and not principal.reaches_referral(row.owner_id, case.region_code):
        raise UnknownReferral("no such referral")
    row = (await session.execute(sa.select(t.referrals).where(t.referrals.c.referral_id == referral_id))).first()
    if principal is not None:
        await audit.record(session, t.audit_log, principal=principal, action="referral_answered",
                           case_id=row.case_id, detail={"referral_id": referral_id, "status": status.value})
    current = ReferralStatus(row.status)
    if not lifecycle.transition(current, status):
        return referral_view(row)
    code = lifecycle.answer_code(status, reason_code)
    await session.execute(t.referrals.update().where(t.referrals.c.referral_id == referral_id).values(
        status=status.value, reason=reason, note=note, reason_code=code, updated_at=now))
    events: list[Any] = [REFERRAL_STATUS_EVENTS[status](case_id=row.case_id, referral_id=referral_id, at=now,
                                                        reason_code=code, reason=reason_words(code))]
    if status is ReferralStatus.REJECTED:
        tried = [*row.tried_owners, row.owner_id]
        owner = routing.rules.route(Programme(row.programme), routable(case), excluding=tried)
        if owner is None:  # no owner with authority is left: escalated to the SLRT secretariat, once
            secretariat = fallback_owner(routing, case.region_code)
            owner = secretariat if secretariat.owner_id not in tried else None
        if owner is not None:
            new = await dispatch_referral(routing, session, case, Programme(row.programme), owner, now=now,
                                          tried=tried)
            await session.execute(t.referrals.update().where(t.referrals.c.referral_id == referral_id)
                                  .values(replaced_by=new.referral_id))
            events.append(new)
    if status in (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS) and case.status == CaseStatus.REFERRED.value:
        await session.execute(t.cases.update().where(t.cases.c.case_id == case.case_id)
                              .values(status=CaseStatus.IN_PROGRESS.value))
    events += await _resolve_if_done(routing, session, case, now)
    await routing.publish(session, row.case_id, *events)
    updated = (await session.execute(sa.select(t.referrals).where(t.referrals.c.referral_id == referral_id))).first()
    return referral_view(updated)


async def _resolve_if_done(routing: Routing, session: AsyncSession, case: Any, now: datetime) -> list[Any]:
    if case.status in (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value):
        return []
    statuses = (await session.execute(sa.select(t.referrals.c.status).where(
        t.referrals.c.case_id == case.case_id, t.referrals.c.replaced_by.is_(None)))).scalars().all()
    if not statuses or any(ReferralStatus(s) not in lifecycle.FINAL for s in statuses):
        return []
    await session.execute(t.cases.update().where(t.cases.c.case_id == case.case_id).values(
        status=CaseStatus.RESOLVED.value, resolved_at=now))
    await clear_timer(session, case.case_id, "sla")
    await set_timer(session, case.case_id, "close", now + routing.close_after)
    return [CaseResolved(case_id=case.case_id, level=Level(case.level), at=now)]


def referral_view(row: Any) -> dict[str, Any]:
    return {
        "referral_id": row.referral_id, "case_id": row.case_id, "programme": row.programme,
        "owner_id": row.owner_id, "owner_name": row.owner_name, "owner_level": row.owner_level,
        "owner_region": row.owner_region, "status": row.status, "reason_code": row.reason_code,
        "reason_words": reason_words(row.reason_code), "reason": row.reason, "note": row.note,
        "due_at": utc(row.due_at).isoformat() if row.due_at else None, "replaced_by": row.replaced_by,
    }
