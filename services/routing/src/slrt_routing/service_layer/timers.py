"""Durable SLA timers: the sweep that escalates, reports overdue and closes; and manual escalation.

Timers are rows (``due_at`` indexed). A sweep claims the due ones (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two routing instances never fire the same timer), re-checks each against the case and
acts in the same transaction as the outbox rows it writes. Its cost grows with the timers due, not with
the open cases.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_shared.codes import CaseStatus, Level
from slrt_shared.contracts.case_events import CaseClosed, CaseEscalated, CaseOverdue
from slrt_shared.db import is_postgres, utc
from slrt_shared.errors import PermanentError
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_routing.adapters import tables as t
from slrt_routing.domain import clock
from slrt_routing.service_layer.context import Routing, clear_timer, locked_case, set_timer


class UnknownCase(PermanentError):
    pass


async def sweep(routing: Routing, *, now: datetime | None = None, batch: int = 200) -> int:
    """Fire the timers due at ``now``; return how many fired."""
    now = now or datetime.now(UTC)
    async with routing.sessions() as session, session.begin():
        query = sa.select(t.timers).where(t.timers.c.due_at <= now).order_by(t.timers.c.due_at).limit(batch)
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        due = (await session.execute(query)).all()
        for timer in due:
            if timer.kind == "sla":
                await _sla_expired(routing, session, timer, now)
            else:
                await _close(routing, session, timer, now)
    if due:
        routing.woke()
    return len(due)


async def _sla_expired(routing: Routing, session: AsyncSession, timer: Any, now: datetime) -> None:
    case = await locked_case(session, timer.case_id)
    if case is None or case.status in (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value):
        await clear_timer(session, timer.case_id, "sla")
        return
    if case.deadline is not None and utc(case.deadline) > now:
        await set_timer(session, case.case_id, "sla", utc(case.deadline))  # the clock moved on since this was set
        return
    outcome = clock.on_clock_expired(
        level=Level(case.level), resolved=False, overdue=case.overdue, now=now,
        deadline=lambda level, start: routing.sla.case_deadline(level, start, case.region_code))
    if isinstance(outcome, clock.Escalate):
        await _escalate(routing, session, case, outcome)
    elif isinstance(outcome, clock.Overdue):
        await session.execute(t.cases.update().where(t.cases.c.case_id == case.case_id).values(overdue=True))
        await clear_timer(session, case.case_id, "sla")
        await routing.publish(session, case.case_id, CaseOverdue(case_id=case.case_id, level=outcome.level, at=now))
    else:
        await clear_timer(session, case.case_id, "sla")


async def _escalate(routing: Routing, session: AsyncSession, case: Any, step: clock.Escalate,
                    note: str | None = None) -> None:
    await session.execute(t.cases.update().where(t.cases.c.case_id == case.case_id).values(
        level=step.to_level.value, deadline=step.deadline))
    await set_timer(session, case.case_id, "sla", step.deadline)
    await routing.publish(session, case.case_id, CaseEscalated(
        case_id=case.case_id, from_level=step.from_level, to_level=step.to_level, reason=step.reason,
        deadline=step.deadline, note=note))


async def _close(routing: Routing, session: AsyncSession, timer: Any, now: datetime) -> None:
    case = await locked_case(session, timer.case_id)
    await clear_timer(session, timer.case_id, "close")
    if case is None or case.status != CaseStatus.RESOLVED.value:
        return
    await session.execute(t.cases.update().where(t.cases.c.case_id == case.case_id).values(
        status=CaseStatus.CLOSED.value, closed_at=now))
    await routing.publish(session, case.case_id, CaseClosed(case_id=case.case_id, level=Level(case.level), at=now))


async def escalate_manually(routing: Routing, *, case_id: str, reason: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    async with routing.sessions() as session, session.begin():
        case = await locked_case(session, case_id)
        if case is None:
            raise UnknownCase("no such case")
        step = clock.manual_escalation(
            level=Level(case.level), resolved=case.status in (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value),
            now=now, deadline=lambda level, start: routing.sla.case_deadline(level, start, case.region_code))
        await _escalate(routing, session, case, step, note=reason)
    routing.woke()
    return {"case_id": case_id, "from_level": step.from_level.value, "to_level": step.to_level.value,
            "deadline": step.deadline.isoformat(), "reason": "manual"}


async def run_sweeper(routing: Routing, *, interval: float, batch: int) -> None:
    import asyncio

    from slrt_shared.logging import get_logger

    log = get_logger(__name__)
    while True:
        try:
            fired = await sweep(routing, batch=batch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("sweep_failed", error=type(exc).__name__)
            fired = 0
        if fired < batch:
            await asyncio.sleep(interval)
