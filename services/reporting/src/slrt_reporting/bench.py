"""Reporting's benchmarks, run by ``slrt bench reporting``: projection throughput against the raw consume rate
of the same broker, and ``/v1/stats`` latency with 10,000 and 1,000,000 cases loaded straight into the
database (the counters make it independent of the number of cases)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from slrt_contracts.case_events import CaseRegistered, HouseholdInfo, ReferralDispatched
from slrt_contracts.codes import Channel, DtsenStatus, Level, Programme
from slrt_contracts.envelope import to_kafka
from slrt_contracts.regions import all_desa_codes
from slrt_shared import db
from slrt_shared.access.devkey import DevKey
from slrt_shared.access.principal import NATIONAL, Principal, Role
from slrt_shared.consumer import ReliableBatchHandler, ReliableHandler
from slrt_shared.kafka import make_producer
from slrt_shared.runtime import KafkaRuntime

from slrt_reporting.adapters import tables as t
from slrt_reporting.app import MIGRATIONS, build_app
from slrt_reporting.domain.case import derive, new_case
from slrt_reporting.domain.facts import delta
from slrt_reporting.entrypoints.events import projection_batch_handler, projection_handler
from slrt_reporting.settings import ReportingSettings

DESA = [c for c in all_desa_codes() if c.startswith(("32.01", "33.74", "35.07"))]


async def stats_report(report: Any, raw: Any, *, quick: bool) -> None:
    sizes = (10_000, 100_000) if quick else (10_000, 1_000_000)
    latency = {n: await stats_latency(n) for n in sizes}
    small, large = latency[sizes[0]], latency[sizes[1]]
    report.add("/v1/stats latency (sqlite)", [
        (f"median, {sizes[0]:,} cases", f"{small * 1e3:.2f} ms"),
        (f"median, {sizes[1]:,} cases", f"{large * 1e3:.2f} ms"),
        ("ratio large / small (goal: close to 1)", f"{large / small:.2f}"),
        ("stats / raw broker hop", f"{large * 1e3 / raw.hop_ms:.2f}x"),
    ])


def _events(n: int, topic: str) -> list[Any]:
    now = datetime.now(UTC)
    records = []
    for i in range(n // 2):
        case_id = str(uuid.uuid4())
        reg = CaseRegistered(case_id=case_id, case_number=f"3201-2026-{i:06d}", region_code=DESA[i % len(DESA)],
                             level=Level.DESA, channel=Channel.PUSKESOS, ppks=[24], needs=[Programme.PKH],
                             household=HouseholdInfo(dtsen_status=DtsenStatus.REGISTERED), citizen_ref="cit_bench",
                             registered_at=now)
        disp = ReferralDispatched(case_id=case_id, referral_id=str(uuid.uuid4()), programme=Programme.PKH,
                                  owner_id="dinsos-pkh@32.01", owner_level=Level.KABUPATEN, owner_region="32.01",
                                  rules_version="bench", due_at=now + timedelta(days=10))
        records += [to_kafka(reg, topic=topic, source="/bench", key=case_id),
                    to_kafka(disp, topic=topic, source="/bench", key=case_id)]
    return records


async def projection_rate(bootstrap: str, n: int, database_url: str) -> float:
    """Events per second through the service's own consumer shape, from the broker into ``database_url``."""
    settings = ReportingSettings(kafka_bootstrap=bootstrap, topic_prefix=f"bench{uuid.uuid4().hex[:6]}.",
                                 reporting_database_url=database_url)
    engine = db.create_engine(settings.database_url)
    await db.upgrade(engine, MIGRATIONS, version_table="alembic_version_reporting")
    sessions = db.session_factory(engine)
    producer = make_producer(settings)
    await producer.start()
    for r in _events(n, settings.topics.case_events):
        await producer.send(r.topic, r.value, key=r.key, headers=r.headers)
    await producer.flush()
    await producer.stop()
    kafka = KafkaRuntime(settings)
    handle = projection_batch_handler(sessions)
    done = asyncio.Event()
    count = 0

    async def counting(events: list[Any]) -> None:
        nonlocal count
        await handle(events)
        count += len(events)
        if count >= n:
            done.set()

    single = ReliableHandler(name="bench", handle=projection_handler(sessions), dead_letters=kafka.dead_letters)
    kafka.subscribe(settings.topics.case_events, group="bench",  # the service's own consumer shape
                    handler=ReliableBatchHandler(name="bench", handle_batch=counting, single=single))
    await kafka.start()
    await kafka.consumers_ready.wait()
    started = time.perf_counter()
    await asyncio.wait_for(done.wait(), timeout=600)
    elapsed = time.perf_counter() - started
    await kafka.stop()
    await engine.dispose()
    return n / elapsed


async def _load(sessions: Any, n: int) -> None:
    now = datetime.now(UTC)
    counters: Counter[tuple[str, str, str]] = Counter()
    statuses = ("referred", "in_progress", "resolved", "referred")
    for start in range(0, n, 20_000):
        rows = []
        for i in range(start, min(n, start + 20_000)):
            desa = DESA[i % len(DESA)]
            registered = now - timedelta(minutes=i % 50_000)
            case = new_case(f"{i:012d}")
            case.update(case_number=f"{desa[:5].replace('.', '')}-2026-{i:06d}", region_code=desa,
                        kecamatan_code=desa[:8], kabupaten_code=desa[:5], provinsi_code=desa[:2], channel="puskesos",
                        start_level="desa", level="desa", level_at=registered, ppks=[24], needs=["PKH"],
                        registered_at=registered, status_times={"registered": registered.isoformat(),
                                                                 statuses[i % 4]: now.isoformat()},
                        milestones={"registered": registered.isoformat()}, deadline=now + timedelta(days=3),
                        deadline_at=registered, overdue_at=now if i % 17 == 0 else None,
                        reached_kecamatan=i % 9 == 0)
            derive(case)
            rows.append(case)
            counters.update(delta(None, case))
        async with sessions() as session, session.begin():
            await session.execute(t.cases.insert(), rows)
    async with sessions() as session, session.begin():
        await session.execute(t.counters.insert(), [{"region": r, "dimension": d, "value": v, "count": c}
                                                    for (r, d, v), c in counters.items()])


async def stats_latency(n: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        settings = ReportingSettings(reporting_database_url=f"sqlite+aiosqlite:///{Path(folder) / 'r.db'}",
                                     kafka_bootstrap="127.0.0.1:1", var_dir=Path(folder))
        analyst = DevKey.load_or_create(Path(folder)).issue(  # every request verifies a signed token, as in use
            Principal(sub="bench-analyst", role=Role.ANALYST, scope=NATIONAL), audience=settings.auth_audience,
            ttl=timedelta(hours=1))
        app = build_app(settings)
        engine = app.state.reporting.engine
        await db.upgrade(engine, MIGRATIONS, version_table="alembic_version_reporting")
        await _load(app.state.reporting.sessions, n)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                     headers={"Authorization": f"Bearer {analyst}"}) as client:
            samples = []
            for i in range(200):
                region = ("32.01", "33.74.01", "nasional", DESA[i % len(DESA)])[i % 4]
                t0 = time.perf_counter()
                response = await client.get("/v1/stats", params={"region": region})
                samples.append(time.perf_counter() - t0)
                assert response.status_code == 200
        await engine.dispose()
        return statistics.median(samples[20:])
