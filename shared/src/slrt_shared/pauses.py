"""Partitions that wait for a dependency: paused, rewound to the message that could not be handled, resumed
after a bounded backoff. While any partition waits the service is degraded and ``/readyz`` says why."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition

from slrt_shared.failures import Paused
from slrt_shared.logging import get_logger

log = get_logger(__name__)


class Degraded(Exception):
    """A readiness failure whose message is safe to show: which partitions wait, and for what."""


@dataclass
class _Waiting:
    why: str
    failures: int
    since: float
    consumer: Any


class PartitionPauses:
    def __init__(self, *, first_seconds: float, max_seconds: float) -> None:
        self._first = first_seconds
        self._max = max_seconds
        self._waiting: dict[TopicPartition, _Waiting] = {}
        self.pauses = 0  # how often a partition was paused since start

    def delay(self, failures: int) -> float:
        return float(min(self._first * 2 ** (failures - 1), self._max))

    def pause(self, consumer: Any, records: list[Any], paused: Paused) -> float:
        """Rewind each partition of ``records`` to its earliest record, pause it, and resume it later."""
        earliest: dict[TopicPartition, int] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            earliest[tp] = min(earliest.get(tp, r.offset), r.offset)
        failures = 1 + max((self._waiting[tp].failures for tp in earliest if tp in self._waiting), default=0)
        delay = self.delay(failures)
        for tp, offset in earliest.items():
            consumer.seek(tp, offset)
            previous = self._waiting.get(tp)
            self._waiting[tp] = _Waiting(paused.why, failures, previous.since if previous else time.monotonic(),
                                         consumer)
        consumer.pause(*earliest)
        self.pauses += 1
        log.warning("partition_paused", partitions=[f"{tp.topic}[{tp.partition}]" for tp in earliest],
                    why=paused.why, retry_in=delay, failures=failures)
        asyncio.get_running_loop().call_later(delay, self._resume, consumer, list(earliest))
        return delay

    @staticmethod
    def _resume(consumer: Any, partitions: list[TopicPartition]) -> None:
        with contextlib.suppress(Exception):  # a rebalance may have taken the partition away meanwhile
            assigned = consumer.assignment()
            consumer.resume(*[tp for tp in partitions if tp in assigned])

    def flowing(self, records: list[Any]) -> None:
        """The records' partitions were handled: they no longer wait."""
        if not self._waiting:
            return
        for r in records:
            waited = self._waiting.pop(TopicPartition(r.topic, r.partition), None)
            if waited is not None:
                log.info("partition_resumed", partition=f"{r.topic}[{r.partition}]", failures=waited.failures,
                         waited_seconds=round(time.monotonic() - waited.since, 1))

    async def check(self) -> None:
        for tp, waiting in list(self._waiting.items()):
            with contextlib.suppress(Exception):
                if tp not in waiting.consumer.assignment():  # a rebalance gave it to another consumer
                    del self._waiting[tp]
        if self._waiting:
            whys = sorted({w.why for w in self._waiting.values()})
            raise Degraded(f"{len(self._waiting)} partition(s) waiting: {'; '.join(whys)}")
