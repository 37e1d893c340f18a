"""The events a broker still retains on reporting's topics, read once from a point to the end offsets of now.

No consumer group: the partitions are assigned and read directly, so the live projection's offsets are never
touched. From ``since`` (a time) the read starts at the first offset whose broker timestamp is at or after it;
events are stamped when produced, which is never before they happened, so nothing that happened since then is
skipped. A record that is not a CloudEvent is counted and left out: the live projection sent it to the dead
letters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from slrt_contracts.envelope import CloudEvent, EnvelopeError, from_kafka
from slrt_shared.kafka import client_options
from slrt_shared.settings import ServiceSettings

BATCH = 2000
#: Empty fetches in a row (a second each) after which a partition that never reaches its end offset is given up.
IDLE_POLLS = 15


@dataclass
class Retained:
    """How much the broker holds between the start offsets and the end offsets read at the start."""

    total: int = 0
    read: int = 0
    unreadable: int = 0
    stalled: list[str] = field(default_factory=list)
    ends: dict[TopicPartition, int] = field(default_factory=dict)


async def _start_offsets(consumer: AIOKafkaConsumer, partitions: list[TopicPartition],
                         since: datetime | None) -> dict[TopicPartition, int]:
    starts = await consumer.beginning_offsets(partitions)
    if since is None:
        return starts
    ends = await consumer.end_offsets(partitions)
    found = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
    # Nothing at or after ``since``: Kafka answers None, some compatible brokers a timestamp of -1.
    return {tp: (hit.offset if (hit := found.get(tp)) is not None and hit.timestamp >= 0 else ends[tp])
            for tp in partitions}


async def retained_events(settings: ServiceSettings, topics: list[str], *, since: datetime | None = None,
                          retained: Retained | None = None) -> AsyncIterator[list[CloudEvent]]:
    """Batches of the events on ``topics`` from ``since`` (or the earliest retained) up to the end offsets
    read when called. ``retained`` is filled with the counts as the read goes."""
    state = retained if retained is not None else Retained()
    consumer = AIOKafkaConsumer(**client_options(settings), client_id=f"slrt-{settings.service_name}-replay",
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        known = await consumer.topics()
        partitions = [TopicPartition(topic, p) for topic in topics if topic in known
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return
        state.ends = await consumer.end_offsets(partitions)
        starts = await _start_offsets(consumer, partitions, since)
        todo = [tp for tp in partitions if starts[tp] < state.ends[tp]]
        state.total = sum(state.ends[tp] - starts[tp] for tp in todo)
        if not todo:
            return
        consumer.assign(todo)
        for tp in todo:
            consumer.seek(tp, starts[tp])
        idle = 0
        while todo and idle < IDLE_POLLS:
            fetched = await consumer.getmany(*todo, timeout_ms=1000, max_records=BATCH)
            idle = 0 if fetched else idle + 1
            batch: list[CloudEvent] = []
            for tp, records in fetched.items():
                for record in records:
                    if record.offset >= state.ends[tp]:
                        continue
                    state.read += 1
                    try:
                        batch.append(from_kafka(record.headers, record.value, record.key))
                    except EnvelopeError:
                        state.unreadable += 1
            done = [tp for tp in todo if await consumer.position(tp) >= state.ends[tp]]
            if done:
                consumer.pause(*done)
                todo = [tp for tp in todo if tp not in done]
            if batch:
                yield batch
        state.stalled = [f"{tp.topic}[{tp.partition}]" for tp in todo]
    finally:
        await consumer.stop()
