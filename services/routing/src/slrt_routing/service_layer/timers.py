"""Durable SLA timers: the sweep that escalates, reports overdue and closes; and manual escalation.

Timers are rows (``due_at`` indexed). A sweep claims the due ones (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two routing instances never fire the same timer), re-checks each against the case and
acts in the same transaction as the outbox rows it writes. Its cost grows with the timers due, not with
the open cases.

An SLA timer that fires late (routing was down) fires every step missed since, once each and in order, each
step's deadline counted from the deadline before it (``clock.missed_steps``), never from the sweep's time;
the timer is left due at the clock still running, if any. The events are published when the sweep runs
(their CloudEvents ``time``); a ``case.escalated`` carries the deadline computed from the one that expired,
and a ``case.overdue``'s ``at`` is the deadline at which the case became overdue.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts import regions
from slrt_contracts.base import EventData
from slrt_contracts.case_events import CaseClosed, CaseEscalated, CaseOverdue
from slrt_contracts.codes import CaseStatus, Level
from slrt_shared import audit, metrics, spans
from slrt_shared.access.principal import NATIONAL, Principal
from slrt_shared.db import is_postgres, utc
from slrt_shared.errors import PermanentError
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_routing.adapters import tables as t
from slrt_routing.domain import clock
from slrt_routing.service_layer.context import Routing, locked_case, set_timer


class UnknownCase(PermanentError):
    pass


async def sweep(routing: Routing, *, now: datetime | None = None, batch: int = 200) -> int:
    """Fire the timers due at ``now``; return how many fired.

    The whole batch is one transaction of a handful of statements: the due timers (claimed), their cases
    (locked in key order), then each change written for all the cases at once."""
    now = now or datetime.now(UTC)
    async with routing.sessions() as session, session.begin():
        query = sa.select(t.timers).where(t.timers.c.due_at <= now).order_by(t.timers.c.due_at).limit(batch)
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        due = (await session.execute(query)).all()
        if due and is_postgres(session):
            # a case another transaction holds (an answer, a manual escalation) waits for the next sweep: that
            # transaction may be about to move this very timer, and waiting for it here would deadlock
            cases = await locked_cases(session, {timer.case_id for timer in due}, skip_locked=True)
            unseen = sorted({timer.case_id for timer in due} - set(cases))  # held elsewhere, or unknown
            busy = set(await session.scalars(sa.select(t.cases.c.case_id).where(t.cases.c.case_id.in_(unseen))))
            due = [timer for timer in due if timer.case_id not in busy]
        elif due:
            cases = await locked_cases(session, {timer.case_id for timer in due})
        if due:
            changes = Changes(cases)
            fired = [spans.timer_fired(timer.kind, timer.case_id, timer.traceparent, due_at=utc(timer.due_at))
                     for timer in due]
            try:
                for timer, span in zip(due, fired, strict=True):
                    changes.traces[timer.case_id] = spans.traceparent_of(span) or ""
                    if timer.kind == "sla":
                        _sla_expired(routing, changes, timer.case_id, utc(timer.due_at), now)
                    else:
                        _close(changes, timer.case_id, now)
                await changes.write(routing, session)
            finally:
                for span in fired:
                    span.end()
    if due:
        routing.woke()
        for _, event in changes.events:
            if isinstance(event, CaseEscalated):
                metrics.ESCALATIONS.labels(event.to_level.value, event.reason).inc()
    return len(due)


#: the open overdue cases by level, read through ``ix_cases_overdue`` (few of the cases are overdue)
OVERDUE_BY_LEVEL = (sa.select(t.cases.c.level, sa.func.count())
                    .where(t.cases.c.overdue.is_(True),
                           t.cases.c.status.not_in([CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value]))
                    .group_by(t.cases.c.level))


async def read_gauges(routing: Routing) -> None:
    """``slrt_timers_due`` (due and not yet fired: the sweep is behind) and ``slrt_cases_overdue`` by level."""
    async with routing.sessions() as session:
        due = await session.scalar(sa.select(sa.func.count()).where(t.timers.c.due_at <= datetime.now(UTC)))
        overdue = dict((await session.execute(OVERDUE_BY_LEVEL)).all())
    metrics.TIMERS_DUE.set(due or 0)
    for level in Level:
        metrics.OVERDUE.labels(level.value).set(overdue.get(level.value, 0))


class Changes:
    """What a sweep does to its cases, decided one timer at a time against the cases as changed so far, and
    written at the end with one statement per kind of change."""

    def __init__(self, cases: dict[str, dict[str, Any]]) -> None:
        self.cases = cases
        self.updates: dict[str, dict[str, Any]] = {}
        self.timers: dict[tuple[str, str], datetime | None] = {}  # None: cleared
        self.events: list[tuple[str, EventData]] = []
        self.traces: dict[str, str] = {}  # case_id: the traceparent its events go on in (its timer's)

    def update(self, case_id: str, **values: Any) -> None:
        self.cases[case_id].update(values)
        self.updates.setdefault(case_id, {}).update(values)

    def set_timer(self, case_id: str, kind: str, due_at: datetime | None) -> None:
        self.timers[(case_id, kind)] = due_at

    def publish(self, case_id: str, event: EventData) -> None:
        self.events.append((case_id, event))

    async def write(self, routing: Routing, session: AsyncSession) -> None:
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for case_id, values in sorted(self.updates.items()):
            by_columns.setdefault(tuple(sorted(values)), []).append({"b_case_id": case_id, **{
                f"b_{name}": value for name, value in values.items()}})
        for columns, rows in by_columns.items():
            await session.execute(
                t.cases.update().where(t.cases.c.case_id == sa.bindparam("b_case_id"))
                .values({name: sa.bindparam(f"b_{name}") for name in columns}), rows)
        moved = [{"b_case_id": c, "b_kind": k, "b_due_at": due} for (c, k), due in sorted(self.timers.items())
                 if due is not None]
        cleared = [{"b_case_id": c, "b_kind": k} for (c, k), due in sorted(self.timers.items()) if due is None]
        same_timer = sa.and_(t.timers.c.case_id == sa.bindparam("b_case_id"), t.timers.c.kind == sa.bindparam("b_kind"))
        if moved:  # only due timers move, so their rows exist
            await session.execute(t.timers.update().where(same_timer).values(due_at=sa.bindparam("b_due_at")), moved)
        if cleared:
            await session.execute(t.timers.delete().where(same_timer), cleared)
        await routing.publish_all(session, self.events, traces=self.traces)


async def locked_cases(session: AsyncSession, case_ids: set[str], *,
                       skip_locked: bool = False) -> dict[str, dict[str, Any]]:
    """The cases, locked for this transaction in key order (PostgreSQL; SQLite serialises writers anyway);
    with ``skip_locked``, without those another transaction holds."""
    rows = (await session.execute(sa.select(t.cases).where(t.cases.c.case_id.in_(sorted(case_ids)))
                                  .order_by(t.cases.c.case_id).with_for_update(skip_locked=skip_locked))
            ).mappings().all()
    return {row["case_id"]: dict(row) for row in rows}


def _sla_expired(routing: Routing, changes: Changes, case_id: str, due_at: datetime, now: datetime) -> None:
    case = changes.cases.get(case_id)
    if case is None or case["status"] in (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value):
        changes.set_timer(case_id, "sla", None)
        return
    expired = utc(case["deadline"]) if case["deadline"] is not None else due_at
    if expired > now:
        changes.set_timer(case_id, "sla", expired)  # the clock moved on since this was set
        return
    steps = clock.missed_steps(
        level=Level(case["level"]), resolved=False, overdue=case["overdue"], expired=expired, now=now,
        deadline=lambda level, start: routing.sla.case_deadline(level, start, case["region_code"]))
    running: datetime | None = None
    for step in steps:
        if isinstance(step, clock.Escalate):
            changes.update(case_id, level=step.to_level.value, deadline=step.deadline)
            changes.publish(case_id, _escalated(case_id, step))
            running = step.deadline
        else:
            changes.update(case_id, overdue=True)
            changes.publish(case_id, CaseOverdue(case_id=case_id, level=step.level, at=step.at))
            running = None
    changes.set_timer(case_id, "sla", running)


def _close(changes: Changes, case_id: str, now: datetime) -> None:
    case = changes.cases.get(case_id)
    changes.set_timer(case_id, "close", None)
    if case is None or case["status"] != CaseStatus.RESOLVED.value:
        return
    changes.update(case_id, status=CaseStatus.CLOSED.value, closed_at=now)
    changes.publish(case_id, CaseClosed(case_id=case_id, level=Level(case["level"]), at=now))


def _escalated(case_id: str, step: clock.Escalate) -> CaseEscalated:
    """The public event: the supervisor's note is free text and never goes on it."""
    return CaseEscalated(case_id=case_id, from_level=step.from_level, to_level=step.to_level, reason=step.reason,
                         deadline=step.deadline)


async def _escalate(routing: Routing, session: AsyncSession, case: Any, step: clock.Escalate, *, note: str,
                    actor: str | None, now: datetime) -> None:
    await session.execute(t.cases.update().where(t.cases.c.case_id == case.case_id).values(
        level=step.to_level.value, deadline=step.deadline))
    await set_timer(session, case.case_id, "sla", step.deadline)
    await session.execute(t.escalations.insert().values(
        case_id=case.case_id, from_level=step.from_level.value, to_level=step.to_level.value, note=note,
        actor=actor, at=now))
    await routing.publish(session, case.case_id, _escalated(case.case_id, step))


async def escalate_manually(routing: Routing, *, case_id: str, reason: str, scope: str = NATIONAL,
                            principal: Principal | None = None) -> dict[str, Any]:
    """A supervisor moves the case up one level (audited as the ``principal``'s); a case outside ``scope`` is
    unknown, as one that does not exist. The supervisor's ``reason`` stays in routing (``escalations``), readable
    in the case's view."""
    now = datetime.now(UTC)
    async with routing.sessions() as session, session.begin():
        case = await locked_case(session, case_id)
        if case is None or not regions.contains(scope, case.region_code):
            raise UnknownCase("no such case")
        step = clock.manual_escalation(
            level=Level(case.level), resolved=case.status in (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value),
            now=now, deadline=lambda level, start: routing.sla.case_deadline(level, start, case.region_code))
        await _escalate(routing, session, case, step, note=reason, actor=principal.sub if principal else None,
                        now=now)
        await audit.record(session, t.audit_log, principal=principal, action="case_escalated", case_id=case_id,
                           detail={"from_level": step.from_level.value, "to_level": step.to_level.value})
    routing.woke()
    metrics.ESCALATIONS.labels(step.to_level.value, step.reason).inc()
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
        if fired:
            log.info("timers_fired", count=fired)
        if fired < batch:
            await asyncio.sleep(interval)
