"""Real Kafka clients for tests: publish CloudEvents, read a topic from its beginning."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from slrt_shared.contracts.base import EventData
from slrt_shared.contracts.envelope import CloudEvent, KafkaRecord, from_kafka, to_kafka


async def publish(bootstrap: str, records: Iterable[KafkaRecord]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for r in records:
            await producer.send_and_wait(r.topic, r.value, key=r.key, headers=r.headers)
    finally:
        await producer.stop()


async def publish_events(bootstrap: str, topic: str, key: str, *events: EventData, source: str = "/tests") -> None:
    await publish(bootstrap, [to_kafka(e, topic=topic, source=source, key=key) for e in events])


class TopicReader:
    """Reads every message of some topics from the beginning, as a subscriber outside the system would."""

    def __init__(self, bootstrap: str, *topics: str) -> None:
        self.bootstrap, self.topics = bootstrap, topics
        self.records: list[Any] = []
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> TopicReader:
        self._consumer = AIOKafkaConsumer(*self.topics, bootstrap_servers=self.bootstrap, auto_offset_reset="earliest",
                                          enable_auto_commit=False, metadata_max_age_ms=1000)
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        assert self._consumer is not None
        async for record in self._consumer:
            self.records.append(record)

    async def __aexit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()
        if self._consumer:
            await self._consumer.stop()

    def events(self, topic: str | None = None, *, key: str | None = None) -> list[CloudEvent]:
        out = []
        for r in self.records:
            if topic and r.topic != topic or r.value is None:
                continue
            if key and (r.key or b"").decode() != key:
                continue
            out.append(from_kafka(r.headers, r.value, r.key))
        return out

    def types(self, topic: str | None = None, *, key: str | None = None) -> list[str]:
        return [e.type.removeprefix("id.slrt.").removesuffix(".v1") for e in self.events(topic, key=key)]
