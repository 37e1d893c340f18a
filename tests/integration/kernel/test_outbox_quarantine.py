"""The outbox relay sets aside a row that can never be published and lets the rest flow; a transient failure
quarantines nothing. SQLite and PostgreSQL, with the real broker."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from slrt.outbox import run_outbox
from slrt_contracts.case_events import CaseResolved
from slrt_contracts.codes import Level
from slrt_contracts.envelope import KafkaRecord, to_kafka
from slrt_shared import db
from slrt_shared.kafka import make_producer
from slrt_shared.outbox import Held, OutboxRelay, add_to_outbox, define_outbox, quarantined_rows
from slrt_shared.settings import ServiceSettings
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support import eventually
from tests.support.databases import migrate
from tests.support.kafka import TopicReader
from tests.support.outbox import unpublished


async def _at_least(reader: TopicReader, n: int, *, key: str | None = None) -> bool:
    return len(reader.events(key=key)) >= n


def event(topic: str, key: str, *, padding: int = 0) -> KafkaRecord:
    record = to_kafka(CaseResolved(case_id=key, level=Level.DESA, at=datetime.now(UTC)), topic=topic, source="/t",
                      key=key)
    if padding:  # a value no producer limited to ``max_request_size`` below it will take
        record = replace(record, value=(record.value or b"") + b" " * padding)
    return record


async def outbox_in(database_url: str) -> tuple[sa.Table, AsyncEngine]:
    md = sa.MetaData()
    outbox = define_outbox(md)
    engine = db.create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(md.create_all)
    return outbox, engine


async def test_a_row_too_large_is_quarantined_other_keys_flow_and_its_key_waits_until_released(
        kafka_broker, topic_prefix, database_url, capsys) -> None:
    outbox, engine = await outbox_in(database_url)
    sessions = db.session_factory(engine)
    topic = f"{topic_prefix}quarantine"
    records = [event(topic, "case-a"), event(topic, "case-b", padding=20_000), event(topic, "case-a"),
               event(topic, "case-b"), event(topic, "case-c"), event(topic, "case-b"), event(topic, "case-a")]
    async with sessions() as session, session.begin():
        await add_to_outbox(session, outbox, records)
    small = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap, max_request_size=10_000)
    await small.start()
    relay = OutboxRelay(sessions=sessions, outbox=outbox, producer=lambda: small, name="quarantine", batch_size=3)
    try:
        async with TopicReader(kafka_broker.bootstrap, topic) as reader:
            while await relay.publish_batch():
                pass
            await eventually(lambda: _at_least(reader, 4))
            assert [e.data["case_id"] for e in reader.events(topic)] == ["case-a", "case-a", "case-c", "case-a"]
            assert relay.quarantined == 1 and relay.published == 4
            assert await relay.held() == Held(quarantined=1, blocked=2)  # case-b's two later rows wait
            async with sessions() as session:
                [row] = await quarantined_rows(session, outbox)
            assert (row.topic, row.key, row.reason, row.blocked) == (topic, "case-b",
                                                                      "too_large: MessageSizeTooLargeError", 2)
            assert row.size > 20_000
            assert await relay.publish_batch() == 0  # never tried again by itself
            await relay.purge_published()
            assert await unpublished(database_url, outbox) == 3

            # the operator sees it, the cause is fixed (a producer that takes the size), the row is released
            assert await asyncio.to_thread(run_outbox, "list", "routing", [], database_url=database_url) == 0
            listed = capsys.readouterr().out
            assert "case-b" in listed and "too_large" in listed and "blocks 2" in listed
            assert await asyncio.to_thread(run_outbox, "retry", "routing", [row.id], database_url=database_url) == 0
            fixed = make_producer(ServiceSettings(kafka_bootstrap=kafka_broker.bootstrap))
            await fixed.start()
            try:
                relay = OutboxRelay(sessions=sessions, outbox=outbox, producer=lambda: fixed, name="quarantine")
                assert await relay.publish_batch() == 3
                await eventually(lambda: _at_least(reader, 3, key="case-b"))
                await reader.read_to_end()
            finally:
                await fixed.stop()
            b = reader.events(topic, key="case-b")
            sent = [dict(r.headers)["ce_id"].decode() for r in records if r.key == b"case-b"]
            assert [e.id for e in b] == sent  # once each, in the order written
            assert len(reader.events(topic)) == 7
        assert await unpublished(database_url, outbox) == 0
        assert await relay.held() == Held(quarantined=0, blocked=0)
    finally:
        await small.stop()
        await engine.dispose()


async def test_an_invalid_topic_is_quarantined_and_a_dropped_row_unblocks_its_key(kafka_broker, topic_prefix,
                                                                                  database_url, capsys) -> None:
    outbox, engine = await outbox_in(database_url)
    sessions = db.session_factory(engine)
    topic = f"{topic_prefix}valid"
    records = [event("not a topic!", "case-x"), event(topic, "case-x"), event(topic, "case-y")]
    async with sessions() as session, session.begin():
        await add_to_outbox(session, outbox, records)
    producer = make_producer(ServiceSettings(kafka_bootstrap=kafka_broker.bootstrap))
    await producer.start()
    relay = OutboxRelay(sessions=sessions, outbox=outbox, producer=lambda: producer, name="invalid")
    try:
        async with TopicReader(kafka_broker.bootstrap, topic) as reader:
            assert await relay.publish_batch() == 2
            await eventually(lambda: _at_least(reader, 1))
            assert await relay.held() == Held(quarantined=1, blocked=1)
            async with sessions() as session:
                [row] = await quarantined_rows(session, outbox)
            assert row.reason == "invalid_topic: InvalidTopicName"
            assert await asyncio.to_thread(run_outbox, "drop", "routing", [row.id], database_url=database_url) == 0
            assert "1 quarantined row(s) dropped" in capsys.readouterr().out
            again = await asyncio.to_thread(run_outbox, "drop", "routing", [row.id], database_url=database_url)
            assert again == 1  # already gone
            assert await relay.publish_batch() == 1
            await eventually(lambda: _at_least(reader, 2))
            assert [e.data["case_id"] for e in reader.events(topic)] == ["case-y", "case-x"]
        assert await relay.held() == Held(quarantined=0, blocked=0)
    finally:
        await producer.stop()
        await engine.dispose()


async def test_a_broker_that_is_away_quarantines_nothing_and_keeps_order(topic_prefix, database_url,
                                                                        broker_factory) -> None:
    outbox, engine = await outbox_in(database_url)
    sessions = db.session_factory(engine)
    broker = broker_factory()
    producer = make_producer(ServiceSettings(kafka_bootstrap=broker.bootstrap))
    await producer.start()
    topic = f"{topic_prefix}away"
    relay = OutboxRelay(sessions=sessions, outbox=outbox, producer=lambda: producer, name="away", poll_seconds=0.05)
    broker.stop()
    records = [event(topic, f"case-{i % 2}") for i in range(6)]
    task = None
    try:
        async with sessions() as session, session.begin():
            await add_to_outbox(session, outbox, records)
        attempt = asyncio.create_task(relay.publish_batch())
        done, _ = await asyncio.wait({attempt}, timeout=3)
        if done:
            assert attempt.exception() is not None, f"published {attempt.result()} rows with the broker away"
        else:
            attempt.cancel()
        task = asyncio.create_task(relay.run())
        await asyncio.sleep(0.5)
        assert await relay.held() == Held(quarantined=0, blocked=0) and relay.quarantined == 0
        assert await unpublished(database_url, outbox) == 6

        broker.start()
        async with TopicReader(broker.bootstrap, topic) as reader:
            await eventually(lambda: _at_least(reader, 6), timeout=60)
            for key in ("case-0", "case-1"):
                sent = [dict(r.headers)["ce_id"].decode() for r in records if r.key == key.encode()]
                ids = [e.id for e in reader.events(topic, key=key)]
                assert list(dict.fromkeys(ids)) == sent  # in order (a resend after a timeout only repeats)
        assert relay.quarantined == 0
    finally:
        if task is not None:
            task.cancel()
        await producer.stop()
        await engine.dispose()


@pytest.mark.parametrize("service", ["intake", "routing", "notification"])
async def test_the_migrations_make_the_outbox_the_tables_module_describes(service, database_url) -> None:
    import importlib

    tables = importlib.import_module(f"slrt_{service}.adapters.tables")
    engine = db.create_engine(database_url)
    try:
        await migrate(service, engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), tables.metadata))
        assert [d for d in diff if "outbox" in repr(d)] == []
        async with engine.connect() as conn:
            columns = await conn.run_sync(lambda c: {col["name"] for col in sa.inspect(c).get_columns("outbox")})
        assert {"quarantined_at", "quarantine_reason"} <= columns
    finally:
        await engine.dispose()

