"""Routing's gauges on the real databases: the open overdue cases by level are counted right, and read through
the index on ``overdue`` rather than by scanning every case (the reading runs every 15 seconds, and the cases
table holds every case ever routed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY
from slrt_contracts.topics import Topics
from slrt_routing.adapters import tables as t
from slrt_routing.app import MIGRATIONS
from slrt_routing.domain.rules import load_rule_book
from slrt_routing.service_layer.context import Routing, SlaPolicy
from slrt_routing.service_layer.timers import OVERDUE_BY_LEVEL, read_gauges
from slrt_routing.settings import DEFAULT_RULES
from slrt_shared import db

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
LEVELS = ("desa", "kecamatan", "kabupaten")
STATUSES = ("referred", "in_progress", "resolved", "closed")


def _case(i: int) -> dict[str, object]:
    return dict(case_id=f"case-{i}", case_number=f"3201-2026-{i:06d}", region_code="32.01.01.1002",
                channel="puskesos", start_level="desa", level=LEVELS[i % 3], status=STATUSES[i % 4],
                needs=["PKH"], ppks=[24], dtsen_status="registered", rules_version="test",
                deadline=NOW + timedelta(days=1), overdue=i % 100 == 0, complaints=0,
                registered_at=NOW - timedelta(days=10))


async def test_the_overdue_gauge_counts_open_overdue_cases_through_its_index(database_url: str) -> None:
    engine = db.create_engine(database_url)
    await db.upgrade(engine, MIGRATIONS, version_table="alembic_version_routing")
    cases = [_case(i) for i in range(20_000)]
    async with engine.begin() as conn:
        await conn.execute(t.cases.insert(), cases)
    async with engine.connect() as conn:
        if db.is_postgres(engine):
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("ANALYZE cases")
        sql = str(OVERDUE_BY_LEVEL.compile(engine.sync_engine, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(row[-1]) for row in await conn.exec_driver_sql(
            ("EXPLAIN " if db.is_postgres(engine) else "EXPLAIN QUERY PLAN ") + sql))
    rules = load_rule_book(DEFAULT_RULES)
    routing = Routing(sessions=db.session_factory(engine), rules=rules, topics=Topics(""),
                      sla=SlaPolicy(ladder=dict(rules.sla_working_days)), close_after=timedelta(days=14))
    await read_gauges(routing)
    await engine.dispose()
    assert "ix_cases_overdue" in plan, plan
    expected = {level: sum(1 for c in cases if c["overdue"] and c["level"] == level
                           and c["status"] not in ("resolved", "closed")) for level in LEVELS}
    assert sum(expected.values()) > 0
    got = {level: REGISTRY.get_sample_value("slrt_cases_overdue", {"level": level}) for level in LEVELS}
    assert got == {level: float(n) for level, n in expected.items()}
