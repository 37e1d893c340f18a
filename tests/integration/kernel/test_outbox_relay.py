"""The transactional outbox and the inbox on SQLite and PostgreSQL, with the real broker."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from slrt_contracts.case_events import CaseResolved
from slrt_contracts.codes import Level
from slrt_contracts.envelope import CloudEvent, to_kafka
from slrt_shared import db
from slrt_shared.inbox import define_inbox, first_deliveries, first_delivery
from slrt_shared.kafka import make_producer
from slrt_shared.outbox import OutboxRelay, add_to_outbox, define_outbox
from slrt_shared.settings import ServiceSettings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.support import eventually
from tests.support.kafka import TopicReader
from tests.support.outbox import unpublished


def tables() -> tuple[sa.MetaData, sa.Table, sa.Table]:
    md = sa.MetaData()
    return md, define_outbox(md), define_inbox(md)


async def outbox_database(database_url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession], sa.Table]:
    """An engine on the test's database with an outbox table, its sessions, and the table."""
    md, outbox, _ = tables()
    engine = db.create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(md.create_all)
    return engine, db.session_factory(engine), outbox


async def test_rows_are_published_in_order_with_the_envelope_and_marked(kafka_broker, topic_prefix,
                                                                         database_url) -> None:
    engine, sessions, outbox = await outbox_database(database_url)
    topic = f"{topic_prefix}events"
    records = [to_kafka(CaseResolved(case_id=f"case-{i % 3}", level=Level.DESA, at=datetime.now(UTC)),
                        topic=topic, source="/tests", key=f"case-{i % 3}") for i in range(30)]
    async with sessions() as session, session.begin():
        await add_to_outbox(session, outbox, records)
    producer = make_producer(ServiceSettings(kafka_bootstrap=kafka_broker.bootstrap))
    await producer.start()
    relay = OutboxRelay(sessions=sessions, outbox=outbox, producer=lambda: producer, name="test", batch_size=7)
    try:
        async with TopicReader(kafka_broker.bootstrap, topic) as reader:
            task = asyncio.create_task(relay.run())
            await eventually(lambda: _at_least(reader, 30))
            task.cancel()
            sent = [r.headers for r in records]
            got = {key: [e.id for e in reader.events(topic, key=key)] for key in ("case-0", "case-1", "case-2")}
            for key, ids in got.items():
                expected = [dict(h)["ce_id"].decode() for r, h in zip(records, sent, strict=True)
                            if r.key.decode() == key]
                assert ids == expected  # per key, in the order written
        async with sessions() as session:
            pending = await session.scalar(sa.select(sa.func.count()).where(outbox.c.published_at.is_(None)))
        assert pending == 0
    finally:
        await producer.stop()
        await engine.dispose()


async def stop(task: asyncio.Task[None], producer: AIOKafkaProducer, engine: AsyncEngine) -> None:
    """A test's relay, producer and engine, stopped in that order."""
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
    await producer.stop()
    await engine.dispose()


class _WritesWhileSending:
    """A producer that, while the relay sends its first row, has another transaction commit a row and wake it."""

    def __init__(self, producer, during) -> None:  # type: ignore[no-untyped-def]
        self._producer, self._during = producer, during

    async def send(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent = await self._producer.send(*args, **kwargs)
        if self._during is not None:
            during, self._during = self._during, None
            await during()
        return sent


async def test_a_commit_while_a_batch_is_sent_is_published_without_waiting_for_the_poll(
        kafka_broker, topic_prefix, database_url) -> None:
    """The wake of a commit that lands while the relay reads and sends a batch is kept, so its row goes out in
    the next round, not at the next poll (an hour here)."""
    engine, sessions, outbox = await outbox_database(database_url)
    topic = f"{topic_prefix}interleaved"

    def row(case_id: str) -> list:  # type: ignore[type-arg]
        return [to_kafka(CaseResolved(case_id=case_id, level=Level.DESA, at=datetime.now(UTC)), topic=topic,
                         source="/t", key=case_id)]

    async def commit_another() -> None:
        async with sessions() as session, session.begin():
            await add_to_outbox(session, outbox, row("second"))
        relay.wake()  # as the writer does after its commit

    async with sessions() as session, session.begin():
        await add_to_outbox(session, outbox, row("first"))
    producer = make_producer(ServiceSettings(kafka_bootstrap=kafka_broker.bootstrap))
    await producer.start()
    sending = _WritesWhileSending(producer, commit_another)
    relay = OutboxRelay(sessions=sessions, outbox=outbox, producer=lambda: sending, name="interleaved",
                        poll_seconds=3600)
    task = asyncio.create_task(relay.run())
    try:
        async def both() -> bool:
            return relay.published == 2

        await eventually(both, timeout=10)
        assert await unpublished(database_url, outbox) == 0
    finally:
        await stop(task, producer, engine)


async def test_two_relays_on_one_database_publish_each_row_once(kafka_broker, topic_prefix, database_url) -> None:
    """Two instances' relays (an engine each, as two processes have) share the rows: one publishes at a time,
    on PostgreSQL by its advisory lock, on SQLite by its file lock, so no row reaches the topic twice."""
    md, outbox, _ = tables()
    engines = [db.create_engine(database_url), db.create_engine(database_url)]
    async with engines[0].begin() as conn:
        await conn.run_sync(md.create_all)
    topic = f"{topic_prefix}shared"
    producer = make_producer(ServiceSettings(kafka_bootstrap=kafka_broker.bootstrap))
    await producer.start()
    relays = [OutboxRelay(sessions=db.session_factory(e), outbox=outbox, producer=lambda: producer, name="shared",
                          batch_size=5, poll_seconds=0.01) for e in engines]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    try:
        async with TopicReader(kafka_broker.bootstrap, topic) as reader:
            for rnd in range(8):  # rows keep arriving while both relays poll
                async with db.session_factory(engines[rnd % 2])() as session, session.begin():
                    await add_to_outbox(session, outbox, [to_kafka(
                        CaseResolved(case_id=f"case-{i}", level=Level.DESA, at=datetime.now(UTC)), topic=topic,
                        source="/tests", key=f"case-{i}") for i in range(rnd * 10, rnd * 10 + 10)])
                await asyncio.sleep(0.02)
            await eventually(lambda: _none_pending(database_url, outbox), timeout=60)
            await reader.read_to_end()
            ids = [e.id for e in reader.events(topic)]
        assert len(ids) == 80 and len(set(ids)) == 80
        assert sum(r.published for r in relays) == 80
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await producer.stop()
        for e in engines:
            await e.dispose()


async def test_a_broker_that_is_away_keeps_the_rows_until_it_returns(topic_prefix, database_url,
                                                                     broker_factory) -> None:
    md, outbox, _ = tables()
    engine = db.create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(md.create_all)
    sessions = db.session_factory(engine)
    broker = broker_factory()
    producer = make_producer(ServiceSettings(kafka_bootstrap=broker.bootstrap))
    await producer.start()
    topic = f"{topic_prefix}away"
    relay = OutboxRelay(sessions=sessions, outbox=outbox, producer=lambda: producer, name="away", poll_seconds=0.05)
    broker.stop()
    task = None
    try:
        async with sessions() as session, session.begin():
            await add_to_outbox(session, outbox, [to_kafka(
                CaseResolved(case_id="c", level=Level.DESA, at=datetime.now(UTC)), topic=topic, source="/t", key="c")])
        # the broker is away: an attempt does not publish (it fails or is still waiting when given up on)
        attempt = asyncio.create_task(relay.publish_batch())
        done, _ = await asyncio.wait({attempt}, timeout=3)
        if done:
            assert attempt.exception() is not None, f"published {attempt.result()} rows with the broker away"
        else:
            attempt.cancel()
        assert await unpublished(database_url, outbox) == 1
        task = asyncio.create_task(relay.run())  # keeps trying
        await asyncio.sleep(0.5)
        assert await unpublished(database_url, outbox) == 1 and relay.published == 0

        broker.start()  # back on the same address (empty: the embedded broker keeps nothing)
        async with TopicReader(broker.bootstrap, topic) as reader:
            await eventually(lambda: _at_least(reader, 1), timeout=60)
            assert [e.data["case_id"] for e in reader.events(topic)] == ["c"]
        await eventually(lambda: _none_pending(database_url, outbox))  # marked once the broker took it
        assert relay.published == 1
    finally:
        if task is not None:
            task.cancel()
        await producer.stop()
        await engine.dispose()


async def _none_pending(database_url: str, outbox: sa.Table) -> bool:
    return await unpublished(database_url, outbox) == 0


async def test_the_inbox_recognises_a_duplicate_delivery(database_url) -> None:
    md, _, inbox = tables()
    engine = db.create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(md.create_all)
    sessions = db.session_factory(engine)
    event = CloudEvent(id="e-1", source="/tests", type="id.slrt.case.resolved.v1", time=datetime.now(UTC), data={})
    try:
        async with sessions() as session, session.begin():
            assert await first_delivery(session, inbox, "consumer-a", event) is True
        async with sessions() as session, session.begin():
            assert await first_delivery(session, inbox, "consumer-a", event) is False
            assert await first_delivery(session, inbox, "consumer-b", event) is True
        async with sessions() as session:  # a rolled-back effect forgets the delivery too
            async with session.begin():
                other = CloudEvent(id="e-2", source="/tests", type="x", time=datetime.now(UTC), data={})
                assert await first_delivery(session, inbox, "consumer-a", other) is True
                await session.rollback()
        async with sessions() as session, session.begin():
            assert await first_delivery(session, inbox, "consumer-a", other) is True
    finally:
        await engine.dispose()


async def test_the_inbox_takes_a_batch_once_in_order(database_url) -> None:
    md, _, inbox = tables()
    engine = db.create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(md.create_all)
    sessions = db.session_factory(engine)

    def event(n: int, source: str = "/tests") -> CloudEvent:
        return CloudEvent(id=f"e-{n}", source=source, type="x", time=datetime.now(UTC), data={})

    try:
        async with sessions() as session, session.begin():
            taken = await first_deliveries(session, inbox, "consumer-a", [event(3), event(1), event(3), event(2)])
            assert [e.id for e in taken] == ["e-3", "e-1", "e-2"]  # in order, the repeat within the batch dropped
        async with sessions() as session, session.begin():
            again = [event(2), event(4), event(1, source="/elsewhere"), event(1)]
            assert [(e.source, e.id) for e in await first_deliveries(session, inbox, "consumer-a", again)] == [
                ("/tests", "e-4"), ("/elsewhere", "e-1")]
            assert len(await first_deliveries(session, inbox, "consumer-b", again)) == 4
            assert await first_deliveries(session, inbox, "consumer-a", []) == []
            assert await first_delivery(session, inbox, "consumer-a", event(4)) is False  # one inbox, both ways
    finally:
        await engine.dispose()


async def _at_least(reader: TopicReader, n: int) -> bool:
    return len(reader.records) >= n


async def test_another_instance_s_commit_wakes_the_relay_on_postgresql(kafka_broker, topic_prefix, postgres) -> None:
    """Rows written by another instance (nothing wakes this relay in-process, and its poll is an hour away) are
    published because the commit notifies every relay listening on the database."""
    md, outbox, _ = tables()
    async with postgres.database() as url:
        engine = db.create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(md.create_all)
        sessions = db.session_factory(engine)
        topic = f"{topic_prefix}notified"
        producer = make_producer(ServiceSettings(kafka_bootstrap=kafka_broker.bootstrap))
        await producer.start()
        relay = OutboxRelay(sessions=sessions, outbox=outbox, producer=lambda: producer, name="notified",
                            poll_seconds=3600)
        task = asyncio.create_task(relay.run())
        try:
            async def waiting() -> bool:  # listening, and waiting for a wake
                return relay.listening and not relay.woken

            async def published() -> bool:
                return relay.published == 1

            await eventually(waiting)
            other = db.create_engine(url)  # another instance's engine
            async with db.session_factory(other)() as session, session.begin():
                await add_to_outbox(session, outbox, [to_kafka(
                    CaseResolved(case_id="c", level=Level.DESA, at=datetime.now(UTC)), topic=topic, source="/t",
                    key="c")])
            await other.dispose()
            await eventually(published)
        finally:
            await stop(task, producer, engine)
