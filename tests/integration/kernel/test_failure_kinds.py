"""The three kinds of failure on a real broker: poison is dead-lettered at once with its reason and the
partition flows on; an unavailable dependency pauses the partition, dead-letters nothing, skips nothing and
makes the service degraded until it returns."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy.exc
from slrt_contracts.case_events import CaseResolved
from slrt_contracts.codes import Level
from slrt_contracts.envelope import CloudEvent, KafkaRecord, to_kafka
from slrt_shared.consumer import ReliableBatchHandler
from slrt_shared.pauses import Degraded
from slrt_shared.runtime import KafkaRuntime
from slrt_shared.settings import ServiceSettings

from tests.support import eventually
from tests.support.kafka import TopicReader, publish

KEY = "same-partition"


def _settings(kafka_broker, topic_prefix: str) -> ServiceSettings:
    return ServiceSettings(kafka_bootstrap=kafka_broker.bootstrap, topic_prefix=topic_prefix,
                           service_name="kernel-test", consumer_retry_backoff_seconds=0.05,
                           consumer_pause_max_seconds=0.5, kafka_max_message_bytes=600_000)


def _good(topic: str, n: int) -> KafkaRecord:
    return to_kafka(CaseResolved(case_id=f"case-{n}", level=Level.DESA, at=datetime.now(UTC)),
                    topic=topic, source="/tests", key=KEY)


def _poison(topic: str) -> dict[str, KafkaRecord]:
    headers = list(_good(topic, 0).headers)
    unknown = [(k, b"id.slrt.nothing.v1" if k == "ce_type" else v) for k, v in headers]
    key = KEY.encode()
    return {
        "garbage": KafkaRecord(topic, key, b"\xff\xfe not even utf-8", headers),
        "deep": KafkaRecord(topic, key, b'{"a":' * 50_000 + b"1" + b"}" * 50_000, headers),
        "digits": KafkaRecord(topic, key, b'{"case_id": ' + b"9" * 5000 + b"}", headers),
        "huge_string": KafkaRecord(topic, key, b'{"case_id": "' + b"x" * 500_000 + b'"}', headers),
        "too_large": KafkaRecord(topic, key, b'{"case_id": "' + b"x" * 700_000 + b'"}', headers),
        "no_headers": KafkaRecord(topic, key, _good(topic, 0).value, []),
        "unknown_type": KafkaRecord(topic, key, _good(topic, 0).value, unknown),
    }


REASONS = {"garbage": b"undecodable", "deep": b"undecodable", "digits": b"undecodable", "huge_string": b"invalid",
           "too_large": b"too_large", "no_headers": b"undecodable", "unknown_type": b"unknown_type"}


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
async def test_every_kind_of_poison_is_dead_lettered_at_once_and_the_partition_flows(
        kafka_broker, topic_prefix, batch) -> None:
    settings = _settings(kafka_broker, topic_prefix)
    topic = f"{topic_prefix}poison"
    handled: list[str] = []

    async def handle(event: CloudEvent) -> None:
        CaseResolved.model_validate(event.data)
        handled.append(event.data["case_id"])

    async def handle_batch(events: list[CloudEvent]) -> None:  # all or nothing, as one transaction is
        for event in events:
            CaseResolved.model_validate(event.data)
        handled.extend(event.data["case_id"] for event in events)

    kafka = KafkaRuntime(settings)
    single = kafka.reliable("kernel-test", handle)
    kafka.subscribe(topic, group="poison",
                    handler=ReliableBatchHandler(name="kernel-test", handle_batch=handle_batch, single=single)
                    if batch else single)
    await kafka.start()
    await asyncio.wait_for(kafka.consumers_ready.wait(), timeout=60)
    poison = _poison(topic)
    try:
        async with TopicReader(kafka_broker.bootstrap, topic + ".dlt") as dlt:
            records = [_good(topic, 1)]
            for n, record in enumerate(poison.values(), start=2):
                records += [record, _good(topic, n)]
            await publish(kafka_broker.bootstrap, records)
            expected = [f"case-{n}" for n in range(1, len(poison) + 2)]
            await eventually(lambda: _arrived(handled, expected, dlt, len(poison)), timeout=60)
            assert handled == expected  # in order, each once: nothing behind a poison message waited for it
            await dlt.read_to_end()
            reasons = sorted(dict(r.headers)["x-error-reason"] for r in dlt.records)
            assert reasons == sorted(REASONS.values())
            assert all(dict(r.headers)["x-attempts"] == b"1" for r in dlt.records)  # at once, not retried
            assert kafka.dead_letters.by_reason["undecodable"] == 4
    finally:
        await kafka.stop()


async def _arrived(handled: list[str], expected: list[str], dlt: TopicReader, letters: int) -> bool:
    return len(handled) >= len(expected) and len(dlt.records) >= letters


async def test_an_unavailable_database_pauses_the_partition_and_dead_letters_nothing(kafka_broker,
                                                                                     topic_prefix) -> None:
    settings = _settings(kafka_broker, topic_prefix)
    topic = f"{topic_prefix}outage"
    database_up = asyncio.Event()
    handled: list[str] = []
    refused = 0

    async def handle(event: CloudEvent) -> None:
        nonlocal refused
        if not database_up.is_set():
            refused += 1
            raise sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
        handled.append(event.data["case_id"])

    kafka = KafkaRuntime(settings)
    kafka.subscribe(topic, group="outage", handler=kafka.reliable("kernel-test", handle))
    await kafka.start()
    await asyncio.wait_for(kafka.consumers_ready.wait(), timeout=60)
    try:
        async with TopicReader(kafka_broker.bootstrap, topic + ".dlt") as dlt:
            await publish(kafka_broker.bootstrap, [_good(topic, n) for n in range(20)])
            await eventually(lambda: _refused_often(lambda: refused), timeout=60)
            with pytest.raises(Degraded, match="database unavailable"):
                await kafka.consuming()
            assert handled == []  # the first message waits, and everything behind it
            await asyncio.sleep(2)  # many more tries than the consumer's attempts, each paused, none given up
            assert refused > settings.consumer_attempts
            database_up.set()
            await eventually(lambda: _count(handled, 20), timeout=60)
            assert handled == [f"case-{n}" for n in range(20)]
            await kafka.consuming()  # ready again
            await dlt.read_to_end()
            assert dlt.records == [] and kafka.dead_letters.sent == 0
            assert kafka.pauses.pauses >= refused - 1
    finally:
        await kafka.stop()


async def _refused_often(refused) -> bool:  # type: ignore[no-untyped-def]
    return refused() >= 3


async def _count(handled: list[str], n: int) -> bool:
    return len(handled) >= n
