"""Case events from intake: a registration dispatches one referral per need; a complaint on a resolved or
closed case reopens it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from slrt_contracts.case_events import CaseRegistered, CaseReopened, ComplaintFiled, ReferralDispatched
from slrt_contracts.codes import CaseStatus, DtsenStatus, Level, Programme, ReferralStatus
from slrt_contracts.regions import parent_at
from slrt_shared.db import utc
from slrt_shared.errors import PermanentError
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_routing.adapters import tables as t
from slrt_routing.domain.rules import ProgrammeOwner, RoutableCase
from slrt_routing.service_layer.context import Routing, clear_timer, locked_case, set_timer


def routable(case: Any) -> RoutableCase:
    return RoutableCase(region_code=case.region_code, ppks=tuple(case.ppks),
                        dtsen_status=DtsenStatus(case.dtsen_status))


def fallback_owner(routing: Routing, region_code: str) -> ProgrammeOwner:
    """No rule matched: the SLRT secretariat of the kabupaten/kota decides (Manajer SLRT)."""
    kab = parent_at(region_code, Level.KABUPATEN)
    return ProgrammeOwner(owner_id=f"slrt@{kab}", name="Sekretariat SLRT kabupaten/kota", level=Level.KABUPATEN,
                          region=kab, sla_working_days=routing.rules.sla_working_days[Level.KABUPATEN])


def referral(
    routing: Routing, case: Any, programme: Programme, owner: ProgrammeOwner, *, now: datetime, tried: list[str],
) -> tuple[dict[str, Any], ReferralDispatched]:
    """A new referral of ``case`` to ``owner``: its row and its event."""
    referral_id = str(uuid.uuid4())
    due = routing.sla.working_days(owner.sla_working_days, now, case.region_code)
    row = dict(
        referral_id=referral_id, case_id=case.case_id, programme=programme.value, owner_id=owner.owner_id,
        owner_name=owner.name, owner_level=owner.level.value, owner_region=owner.region,
        status=ReferralStatus.DISPATCHED.value, tried_owners=tried, due_at=due, created_at=now, updated_at=now)
    return row, ReferralDispatched(
        case_id=case.case_id, referral_id=referral_id, programme=programme, owner_id=owner.owner_id,
        owner_level=owner.level, owner_region=owner.region, rules_version=case.rules_version, due_at=due,
        owner_name=owner.name, case_number=case.case_number, case_level=Level(case.level),
        case_deadline=utc(case.deadline))


async def dispatch_referral(
    routing: Routing, session: AsyncSession, case: Any, programme: Programme, owner: ProgrammeOwner, *,
    now: datetime, tried: list[str],
) -> ReferralDispatched:
    row, dispatched = referral(routing, case, programme, owner, now=now, tried=tried)
    await session.execute(t.referrals.insert().values(**row))
    return dispatched


async def on_case_registered(routing: Routing, session: AsyncSession, event: CaseRegistered) -> None:
    await on_cases_registered(routing, session, [event])


async def on_cases_registered(routing: Routing, session: AsyncSession, events: list[CaseRegistered], *,
                              traces: dict[str, str] | None = None) -> None:
    """Take in a batch of registrations: each case's row, one referral per need to the owner the rules name,
    its SLA timer and its ``referral.dispatched`` events, with one statement per table for the batch. A case
    routing holds already (a registration delivered again under another id) is left as it is. ``traces``: the
    ``traceparent`` each case's registration came with, so its events go on in its trace."""
    wanted = {e.case_id: e for e in events}
    known = set((await session.execute(sa.select(t.cases.c.case_id).where(
        t.cases.c.case_id.in_(sorted(wanted))))).scalars()) if wanted else set()
    now = datetime.now(UTC)
    cases, referrals, timers, published = [], [], [], []
    for event in wanted.values():
        if event.case_id in known:
            continue
        registered_at = event.registered_at.astimezone(UTC)
        deadline = routing.sla.case_deadline(event.level, registered_at, event.region_code)
        values = dict(
            case_id=event.case_id, case_number=event.case_number, region_code=event.region_code,
            channel=event.channel.value, start_level=event.level.value, level=event.level.value,
            status=CaseStatus.REFERRED.value, needs=[n.value for n in event.needs], ppks=list(event.ppks),
            dtsen_status=event.household.dtsen_status.value, rules_version=routing.rules.version,
            deadline=deadline, overdue=False, complaints=0, registered_at=registered_at)
        cases.append(values)
        case = SimpleNamespace(**values)
        for need in event.needs:
            owner = routing.rules.route(need, routable(case)) or fallback_owner(routing, case.region_code)
            row, dispatched = referral(routing, case, need, owner, now=now, tried=[])
            referrals.append(row)
            published.append((case.case_id, dispatched))
        timers.append({"case_id": case.case_id, "kind": "sla", "due_at": deadline,
                       "traceparent": (traces or {}).get(case.case_id)})
    if not cases:
        return
    await session.execute(t.cases.insert(), cases)
    if referrals:
        await session.execute(t.referrals.insert(), referrals)
    await session.execute(t.timers.insert(), timers)
    await routing.publish_all(session, published, traces=traces)


async def on_complaint_filed(routing: Routing, session: AsyncSession, event: ComplaintFiled) -> None:
    case = await locked_case(session, event.case_id)
    if case is None:
        raise PermanentError("complaint on a case routing does not know")
    await session.execute(t.cases.update().where(t.cases.c.case_id == case.case_id)
                          .values(complaints=t.cases.c.complaints + 1))
    if case.status not in (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value):
        return  # recorded on the open case; it does not start a second clock
    await reopen(routing, session, case, referral_id=event.referral_id, now=datetime.now(UTC))


async def reopen(routing: Routing, session: AsyncSession, case: Any, *, referral_id: str | None,
                 now: datetime) -> None:
    """Restart the clock at the channel's start level and dispatch again the referral complained about (or,
    when none is named, every referral that had been resolved)."""
    level = Level(case.start_level)
    deadline = routing.sla.case_deadline(level, now, case.region_code)
    await session.execute(t.cases.update().where(t.cases.c.case_id == case.case_id).values(
        status=CaseStatus.REFERRED.value, level=level.value, deadline=deadline, overdue=False,
        resolved_at=None, closed_at=None))
    case = await locked_case(session, case.case_id)
    active = (await session.execute(sa.select(t.referrals).where(
        t.referrals.c.case_id == case.case_id, t.referrals.c.replaced_by.is_(None)))).all()
    again = [r for r in active if r.referral_id == referral_id] or \
        [r for r in active if r.status == ReferralStatus.RESOLVED.value]
    events: list[Any] = [CaseReopened(case_id=case.case_id, level=level, at=now, deadline=deadline)]
    for old in again:
        known = {o.owner_id: o for o in routing.rules.owners_for(Programme(old.programme), routable(case))}
        owner = known.get(old.owner_id) or fallback_owner(routing, case.region_code)
        new = await dispatch_referral(routing, session, case, Programme(old.programme), owner, now=now,
                                      tried=list(old.tried_owners))
        await session.execute(t.referrals.update().where(t.referrals.c.referral_id == old.referral_id)
                              .values(replaced_by=new.referral_id, updated_at=now))
        events.append(new)
    await clear_timer(session, case.case_id, "close")
    await set_timer(session, case.case_id, "sla", deadline)
    await routing.publish(session, case.case_id, *events)
