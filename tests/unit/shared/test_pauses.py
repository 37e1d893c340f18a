"""A partition waiting for a dependency: rewound, paused, resumed after a bounded backoff, and reported."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from aiokafka import TopicPartition
from slrt_shared.failures import Paused
from slrt_shared.pauses import Degraded, PartitionPauses


@dataclass
class Record:
    topic: str
    partition: int
    offset: int


@dataclass
class Consumer:
    """The four calls the pauses make, recorded; a consumer whose partitions are all assigned."""

    assigned: set[TopicPartition] = field(default_factory=lambda: {TopicPartition("t", 0), TopicPartition("t", 1)})
    seeks: list[tuple[TopicPartition, int]] = field(default_factory=list)
    paused: set[TopicPartition] = field(default_factory=set)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp, offset))

    def pause(self, *tps: TopicPartition) -> None:
        self.paused.update(tps)

    def resume(self, *tps: TopicPartition) -> None:
        self.paused.difference_update(tps)

    def assignment(self) -> set[TopicPartition]:
        return self.assigned


def test_backoff_doubles_up_to_its_bound() -> None:
    pauses = PartitionPauses(first_seconds=0.2, max_seconds=1.0)
    assert [pauses.delay(n) for n in range(1, 6)] == [0.2, 0.4, 0.8, 1.0, 1.0]


@pytest.mark.asyncio
async def test_a_partition_waits_from_its_earliest_record_and_flows_again() -> None:
    pauses, consumer = PartitionPauses(first_seconds=0.05, max_seconds=1.0), Consumer()
    records = [Record("t", 0, 7), Record("t", 0, 5), Record("t", 1, 9)]
    pauses.pause(consumer, records, Paused(ConnectionRefusedError()))
    assert sorted(consumer.seeks) == [(TopicPartition("t", 0), 5), (TopicPartition("t", 1), 9)]
    assert consumer.paused == {TopicPartition("t", 0), TopicPartition("t", 1)}
    with pytest.raises(Degraded, match=r"2 partition\(s\) waiting: dependency unavailable"):
        await pauses.check()
    await asyncio.sleep(0.1)
    assert consumer.paused == set()  # resumed to try again, still degraded until it is handled
    with pytest.raises(Degraded):
        await pauses.check()
    pauses.flowing(records)
    await pauses.check()


@pytest.mark.asyncio
async def test_repeated_failures_wait_longer() -> None:
    pauses, consumer = PartitionPauses(first_seconds=0.05, max_seconds=0.15), Consumer()
    record = [Record("t", 0, 1)]
    delays = [pauses.pause(consumer, record, Paused(TimeoutError())) for _ in range(4)]
    assert delays == [0.05, 0.1, 0.15, 0.15]


@pytest.mark.asyncio
async def test_a_partition_taken_away_by_a_rebalance_no_longer_degrades() -> None:
    pauses, consumer = PartitionPauses(first_seconds=10, max_seconds=10), Consumer()
    pauses.pause(consumer, [Record("t", 1, 3)], Paused(TimeoutError()))
    consumer.assigned = {TopicPartition("t", 0)}
    await pauses.check()
