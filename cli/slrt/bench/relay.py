"""The outbox relay: rows written in transactions, published in order; its rate against the raw producer."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from slrt_contracts.case_events import CaseResolved
from slrt_contracts.codes import Level
from slrt_contracts.envelope import to_kafka
from slrt_shared import db
from slrt_shared.kafka import make_producer
from slrt_shared.outbox import OutboxRelay, add_to_outbox, define_outbox
from slrt_shared.settings import ServiceSettings

from slrt.bench.raw_broker import RawBroker
from slrt.bench.report import Report
from slrt.scratch import kinds, scratch_database


async def run(report: Report, raw: RawBroker, *, quick: bool) -> None:
    n = 5_000 if quick else 30_000
    for kind in kinds():
        async with scratch_database(kind) as url:
            rate = await _relay_rate(url, raw.bootstrap, n)
        report.add(f"outbox relay ({kind})", [
            ("rows published", f"{n:,}"),
            ("relay rate", f"{rate:,.0f} msg/s"),
            ("relay / raw produce", f"{rate / raw.produce_per_s:.2f}x"),
        ])


async def _relay_rate(url: str, bootstrap: str, n: int) -> float:
    md = sa.MetaData()
    outbox = define_outbox(md)
    engine = db.create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(md.create_all)
    sessions = db.session_factory(engine)
    topic = f"bench.relay.{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    for start in range(0, n, 1000):
        async with sessions() as session, session.begin():
            await add_to_outbox(session, outbox, [
                to_kafka(CaseResolved(case_id=str(i), level=Level.DESA, at=now), topic=topic, source="/bench",
                         key=str(i % 500)) for i in range(start, min(n, start + 1000))])
    producer = make_producer(ServiceSettings(kafka_bootstrap=bootstrap))
    await producer.start()
    relay = OutboxRelay(sessions=sessions, outbox=outbox, producer=lambda: producer, name="bench", batch_size=1000)
    try:
        t0 = time.perf_counter()
        while await relay.publish_batch():
            pass
        return n / (time.perf_counter() - t0)
    finally:
        await producer.stop()
        await engine.dispose()
