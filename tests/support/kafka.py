"""Real Kafka clients for tests: publish CloudEvents, read topics from their beginning, and read to the end
before saying that something did not arrive."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from slrt_contracts.base import EventData
from slrt_contracts.envelope import CloudEvent, KafkaRecord, from_kafka, to_kafka


async def publish(bootstrap: str, records: Iterable[KafkaRecord]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for r in records:
            await producer.send_and_wait(r.topic, r.value, key=r.key, headers=r.headers)
    finally:
        await producer.stop()


async def publish_events(bootstrap: str, topic: str, key: str, *events: EventData, source: str = "/tests",
                         token: str | None = None) -> None:
    """Publish events; a command (``token`` given) carries its sender's ``authorization`` header."""
    records = [to_kafka(e, topic=topic, source=source, key=key) for e in events]
    await publish(bootstrap, [signed(r, token) for r in records] if token else records)


def signed(record: KafkaRecord, token: str) -> KafkaRecord:
    """The record with its sender's token in the header ``authorization``, as a command carries it."""
    return KafkaRecord(record.topic, record.key, record.value,
                       [*record.headers, ("authorization", f"Bearer {token}".encode())])


class TopicReader:
    """Reads every message of some topics from the beginning, as a subscriber outside the system would.

    Each record is kept once, by its (topic, partition, offset): a client that is handed a partition again
    (after a metadata change) reads it from the beginning again, and that is not a second message. Before a
    test says that something did not arrive, it calls ``read_to_end()``."""

    def __init__(self, bootstrap: str, *topics: str) -> None:
        self.bootstrap, self.topics = bootstrap, topics
        self.records: list[Any] = []
        self.rereads = 0  # records handed over again after a reassignment, not kept twice
        self._next: dict[TopicPartition, int] = {}
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
        seen: set[tuple[str, int, int]] = set()
        async for record in self._consumer:
            where = (record.topic, record.partition, record.offset)
            if where in seen:
                self.rereads += 1
                continue
            seen.add(where)
            self.records.append(record)
            tp = TopicPartition(record.topic, record.partition)
            self._next[tp] = max(self._next.get(tp, 0), record.offset + 1)

    async def __aexit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()
        if self._consumer:
            await self._consumer.stop()

    async def read_to_end(self, timeout: float = 30.0) -> None:
        """Wait until every record in the topics' partitions now has been read: a negative check ("nothing
        arrived") made after this one is not just a reader lagging behind."""
        assert self._consumer is not None
        cluster = await self._consumer._client.fetch_all_metadata()  # every partition, as the broker has them now
        partitions = [TopicPartition(topic, p) for topic in self.topics
                      for p in sorted(cluster.partitions_for_topic(topic) or ())]
        ends = await self._consumer.end_offsets(partitions) if partitions else {}
        deadline = asyncio.get_running_loop().time() + timeout
        while any(self._next.get(tp, 0) < end for tp, end in ends.items()):
            if asyncio.get_running_loop().time() > deadline:
                behind = {f"{tp.topic}[{tp.partition}]": (self._next.get(tp, 0), end) for tp, end in ends.items()
                          if self._next.get(tp, 0) < end}
                raise AssertionError(f"the reader did not reach the end of {behind} within {timeout}s")
            await asyncio.sleep(0.05)

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
