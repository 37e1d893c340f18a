"""Routing's SLA timer sweep with many open cases (loaded straight into the database).

The cost per due timer should not depend on how many cases are open: the sweep reads the timers due
through the ``due_at`` index, never the open cases.
"""

from __future__ import annotations

import resource
import time
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from slrt_contracts.topics import Topics
from slrt_routing.adapters import tables as t
from slrt_routing.app import MIGRATIONS
from slrt_routing.domain.rules import load_rule_book
from slrt_routing.service_layer.context import Routing, SlaPolicy
from slrt_routing.service_layer.timers import sweep
from slrt_routing.settings import DEFAULT_RULES
from slrt_shared import db

from slrt.bench.raw_broker import RawBroker
from slrt.bench.report import Report
from slrt.scratch import kinds, scratch_database

DUE = 2_000


async def run(report: Report, raw: RawBroker, *, quick: bool) -> None:
    sizes = (10_000, 100_000) if quick else (10_000, 1_000_000)
    for kind in kinds():
        costs = {}
        for size in sizes:
            async with scratch_database(kind) as url:
                costs[size] = await _sweep_cost(url, size)
        small, large = costs[sizes[0]], costs[sizes[1]]
        report.add(f"SLA timer sweep ({kind})", [
            ("due timers fired per run", f"{DUE:,}"),
            (f"cost per due timer, {sizes[0]:,} open cases", f"{small * 1e3:.3f} ms"),
            (f"cost per due timer, {sizes[1]:,} open cases", f"{large * 1e3:.3f} ms"),
            ("ratio large / small (goal: close to 1)", f"{large / small:.2f}"),
            ("cost per due timer / raw broker produce", f"{large * 1e6 / raw.produce_us:.1f}x"),
            ("peak memory of this process (max RSS)", f"{_max_rss_mib():.0f} MiB"),
        ])


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _load(sessions: object, open_cases: int, now: datetime) -> None:
    future = now + timedelta(days=3)
    chunk = 10_000
    for start in range(0, open_cases, chunk):
        cases, timers = [], []
        for i in range(start, min(open_cases, start + chunk)):
            case_id = f"{i:08d}-bench"
            due = now - timedelta(seconds=1) if i < DUE else future + timedelta(seconds=i % 86_400)
            cases.append(dict(case_id=case_id, case_number=f"3201-2026-{i:06d}", region_code="32.01.01.1002",
                              channel="puskesos", start_level="desa", level="desa", status="referred", needs=["PKH"],
                              ppks=[24], dtsen_status="registered", rules_version="bench", deadline=due,
                              overdue=False, complaints=0, registered_at=now - timedelta(days=4)))
            timers.append(dict(case_id=case_id, kind="sla", due_at=due))
        async with sessions() as session, session.begin():  # type: ignore[operator]
            await session.execute(t.cases.insert(), cases)
            await session.execute(t.timers.insert(), timers)


async def _sweep_cost(url: str, open_cases: int) -> float:
    engine = db.create_engine(url)
    await db.upgrade(engine, MIGRATIONS, version_table="alembic_version_routing")
    sessions = db.session_factory(engine)
    now = datetime.now(UTC)
    await _load(sessions, open_cases, now)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(sa.text("ANALYZE"))
    rules = load_rule_book(DEFAULT_RULES)
    routing = Routing(sessions=sessions, rules=rules, sla=SlaPolicy(ladder=dict(rules.sla_working_days)),
                      topics=Topics(f"bench{uuid.uuid4().hex[:6]}."), close_after=timedelta(days=14))
    try:
        fired, t0 = 0, time.perf_counter()
        while (n := await sweep(routing, now=now, batch=200)):
            fired += n
        elapsed = time.perf_counter() - t0
        assert fired == DUE, f"fired {fired}, expected {DUE}"
        return elapsed / fired
    finally:
        await engine.dispose()
