"""Routing was down across several SLA deadlines: the first sweep after it fires every missed step once, in order,
each with the deadline counted from the deadline before it (working days, or drill seconds), never from the
sweep's time; a second sweep fires nothing more, and two instances sweeping at once fire each step once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slrt_contracts.codes import Programme
from slrt_contracts.topics import Topics
from slrt_routing.adapters import tables as t
from slrt_routing.app import MIGRATIONS
from slrt_routing.domain.rules import load_rule_book
from slrt_routing.service_layer.context import Routing, SlaPolicy
from slrt_routing.service_layer.dispatch import on_case_registered
from slrt_routing.service_layer.timers import sweep
from slrt_routing.settings import DEFAULT_RULES
from slrt_shared import db
from slrt_shared.db import utc
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.routing.test_escalation_drill import registered
from tests.support import eventually

REGISTERED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # a Monday, 10:00 WIB
# 3, 5 and 14 working days (WIB), each counted from the deadline before
DESA_DEADLINE = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)       # Thursday
KECAMATAN_DEADLINE = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)   # Thursday, 5 working days on
KABUPATEN_DEADLINE = datetime(2026, 12, 23, 3, 0, tzinfo=UTC)  # 14 working days on


def routing_on(engine: AsyncEngine, *, drill: float | None = None) -> Routing:
    rules = load_rule_book(DEFAULT_RULES)
    return Routing(sessions=db.session_factory(engine), rules=rules,
                   sla=SlaPolicy(ladder=dict(rules.sla_working_days), override_seconds=drill),
                   topics=Topics(""), close_after=timedelta(days=14))


async def register(routing: Routing, case_id: str, at: datetime = REGISTERED) -> None:
    event = registered(case_id, [Programme.PKH]).model_copy(update={"registered_at": at})
    async with routing.sessions() as session, session.begin():
        await on_case_registered(routing, session, event)


async def case_events(engine: AsyncEngine, case_id: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
    """(key, kind, data) of the case events in the outbox, in the order they are published."""
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.outbox).order_by(t.outbox.c.id))).all()
    events = [(r.key, dict(r.headers)["ce_type"].removeprefix("id.slrt.").removesuffix(".v1"), json.loads(r.value))
              for r in rows]
    return [e for e in events if case_id is None or e[0] == case_id]


async def clock_of(engine: AsyncEngine, case_id: str) -> tuple[str, datetime | None, bool, datetime | None]:
    """(level, deadline, overdue, due_at of its SLA timer or None)."""
    async with engine.connect() as conn:
        case = (await conn.execute(sa.select(t.cases).where(t.cases.c.case_id == case_id))).one()
        due = await conn.scalar(sa.select(t.timers.c.due_at).where(t.timers.c.case_id == case_id,
                                                                    t.timers.c.kind == "sla"))
    return case.level, utc(case.deadline) if case.deadline else None, case.overdue, utc(due) if due else None


def steps(events: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str]]:
    """The clock's steps, each with its deadline (an escalation) or moment (overdue)."""
    out = []
    for _key, kind, data in events:
        if kind == "case.escalated":
            out.append((f"{data['from_level']}->{data['to_level']}", data["deadline"]))
        elif kind == "case.overdue":
            out.append(("overdue", data["at"]))
    return [(step, datetime.fromisoformat(moment).astimezone(UTC).isoformat()) for step, moment in out]


async def migrated(database_url: str) -> AsyncEngine:
    engine = db.create_engine(database_url)
    await db.upgrade(engine, MIGRATIONS, version_table="alembic_version_routing")
    return engine


async def test_one_sweep_after_an_outage_fires_every_missed_step_once_in_order(database_url: str) -> None:
    engine = await migrated(database_url)
    routing = routing_on(engine)
    try:
        await register(routing, "late")
        assert await clock_of(engine, "late") == ("desa", DESA_DEADLINE, False, DESA_DEADLINE)
        assert await sweep(routing, now=DESA_DEADLINE - timedelta(seconds=1)) == 0  # not yet due

        # routing was down from before the desa deadline until well after the kabupaten one
        assert await sweep(routing, now=datetime(2027, 1, 20, 3, 0, tzinfo=UTC)) == 1
        events = await case_events(engine, "late")
        assert [kind for _, kind, _ in events] == [
            "referral.dispatched", "case.escalated", "case.escalated", "case.overdue"]
        assert steps(events) == [("desa->kecamatan", KECAMATAN_DEADLINE.isoformat()),
                                 ("kecamatan->kabupaten", KABUPATEN_DEADLINE.isoformat()),
                                 ("overdue", KABUPATEN_DEADLINE.isoformat())]
        assert all(data["reason"] == "sla_expired" for _, kind, data in events if kind == "case.escalated")
        assert await clock_of(engine, "late") == ("kabupaten", KABUPATEN_DEADLINE, True, None)

        assert await sweep(routing, now=datetime(2027, 3, 1, tzinfo=UTC)) == 0  # nothing more, ever
        assert await case_events(engine, "late") == events
    finally:
        await engine.dispose()


async def test_a_step_still_ahead_after_catching_up_waits_for_its_own_deadline(database_url: str) -> None:
    engine = await migrated(database_url)
    routing = routing_on(engine)
    try:
        await register(routing, "partly")
        # down across the desa and kecamatan deadlines, back before the kabupaten one
        back = KECAMATAN_DEADLINE + timedelta(days=4)
        assert await sweep(routing, now=back) == 1
        assert steps(await case_events(engine, "partly")) == [
            ("desa->kecamatan", KECAMATAN_DEADLINE.isoformat()),
            ("kecamatan->kabupaten", KABUPATEN_DEADLINE.isoformat())]
        assert await clock_of(engine, "partly") == ("kabupaten", KABUPATEN_DEADLINE, False, KABUPATEN_DEADLINE)
        assert await sweep(routing, now=KABUPATEN_DEADLINE - timedelta(seconds=1)) == 0
        assert await sweep(routing, now=KABUPATEN_DEADLINE) == 1  # on time again
        assert steps(await case_events(engine, "partly"))[-1] == ("overdue", KABUPATEN_DEADLINE.isoformat())
        assert await clock_of(engine, "partly") == ("kabupaten", KABUPATEN_DEADLINE, True, None)
    finally:
        await engine.dispose()


async def test_a_case_resolved_meanwhile_does_not_escalate(database_url: str) -> None:
    engine = await migrated(database_url)
    routing = routing_on(engine)
    try:
        await register(routing, "done")
        async with engine.begin() as conn:
            await conn.execute(t.cases.update().where(t.cases.c.case_id == "done").values(status="resolved"))
        assert await sweep(routing, now=datetime(2027, 1, 20, tzinfo=UTC)) == 1
        assert steps(await case_events(engine, "done")) == []
        assert (await clock_of(engine, "done"))[::2] == ("desa", False)
    finally:
        await engine.dispose()


async def test_drill_seconds_count_from_the_deadline_that_expired(database_url: str) -> None:
    engine = await migrated(database_url)
    routing = routing_on(engine, drill=60)
    try:
        await register(routing, "drill")
        assert (await clock_of(engine, "drill"))[1] == REGISTERED + timedelta(seconds=60)
        # the sweeper stopped for 2.5 steps: two steps missed, the third one still running
        assert await sweep(routing, now=REGISTERED + timedelta(seconds=150)) == 1
        assert steps(await case_events(engine, "drill")) == [
            ("desa->kecamatan", (REGISTERED + timedelta(seconds=120)).isoformat()),
            ("kecamatan->kabupaten", (REGISTERED + timedelta(seconds=180)).isoformat())]
        assert (await clock_of(engine, "drill"))[3] == REGISTERED + timedelta(seconds=180)
    finally:
        await engine.dispose()


async def test_two_instances_sweeping_at_once_fire_each_missed_step_once(database_url: str) -> None:
    engine_a, engine_b = await migrated(database_url), db.create_engine(database_url)
    first, second = routing_on(engine_a), routing_on(engine_b)
    case_ids = [f"case-{i:03d}" for i in range(60)]
    try:
        for case_id in case_ids:
            await register(first, case_id)
        late = datetime(2027, 1, 20, 3, 0, tzinfo=UTC)
        fired = await asyncio.gather(*(sweep(instance, now=late, batch=7)
                                       for instance in (first, second, first, second) for _ in range(6)))
        fired_more = await asyncio.gather(sweep(first, now=late), sweep(second, now=late))
        assert sum(fired) + sum(fired_more) == len(case_ids)  # each timer fired by one instance, once
        events = await case_events(engine_a)
        for case_id in case_ids:
            assert steps([e for e in events if e[0] == case_id]) == [
                ("desa->kecamatan", KECAMATAN_DEADLINE.isoformat()),
                ("kecamatan->kabupaten", KABUPATEN_DEADLINE.isoformat()),
                ("overdue", KABUPATEN_DEADLINE.isoformat())], case_id
        assert await sweep(second, now=late) == 0
    finally:
        await engine_a.dispose()
        await engine_b.dispose()


async def test_a_sweep_leaves_a_case_another_transaction_holds_for_later_instead_of_deadlocking(postgres) -> None:
    """An answer or a manual escalation locks the case, then moves its timer; a sweep that claimed that timer
    and waited for the case would deadlock with it. The sweep passes the case by; the next one fires it."""
    async with postgres.database() as url:
        engine = await migrated(url)
        routing = routing_on(engine)
        late = datetime(2027, 1, 20, 3, 0, tzinfo=UTC)
        try:
            await register(routing, "held")
            async with engine.connect() as holder:
                transaction = await holder.begin()
                await holder.execute(sa.select(t.cases).where(t.cases.c.case_id == "held").with_for_update())
                swept = asyncio.create_task(sweep(routing, now=late))
                await eventually(lambda: _done_or_waiting(swept, engine))
                # the holder moves the timer, as an answer or a manual escalation does (it waits for the sweep's
                # claim to end, which it does: the sweep does not wait for the case)
                await holder.execute(t.timers.update().where(t.timers.c.case_id == "held")
                                     .values(due_at=DESA_DEADLINE))
                await transaction.commit()
                assert await swept == 0
            assert await sweep(routing, now=late) == 1
            assert [step for step, _ in steps(await case_events(engine, "held"))] == [
                "desa->kecamatan", "kecamatan->kabupaten", "overdue"]
        finally:
            await engine.dispose()


async def _done_or_waiting(task: asyncio.Task[int], engine: AsyncEngine) -> bool:
    """The sweep finished, or it waits for a lock (it would deadlock with the holder)."""
    if task.done():
        return True
    async with engine.connect() as conn:
        waiting = await conn.scalar(sa.text(
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"))
    return bool(waiting)
