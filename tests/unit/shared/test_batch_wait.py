"""A batch consumer waits for records in ``getmany`` alone: it takes what arrives at once, and an idle one wakes
once per ``SLRT_KAFKA_BATCH_WAIT_MS`` instead of sleeping as long again after every empty poll."""

from __future__ import annotations

from typing import Any

import slrt_shared.kafka  # noqa: F401 - installs the batch subscriber's wait
from faststream.kafka.subscriber import usecase
from faststream.kafka.subscriber.usecase import BatchSubscriber
from slrt_shared.settings import ServiceSettings


class Consumer:
    def __init__(self, *answers: dict[str, list[str]]) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    async def getmany(self, **kwargs: Any) -> dict[str, list[str]]:
        self.calls.append(kwargs)
        return self.answers.pop(0)


def subscriber(wait_ms: int) -> BatchSubscriber:
    sub = BatchSubscriber.__new__(BatchSubscriber)  # only the two attributes get_msg reads
    sub.batch_timeout_ms, sub.max_records = wait_ms, 500
    return sub


async def test_an_empty_poll_is_not_followed_by_a_sleep(monkeypatch) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(usecase.anyio, "sleep", sleep)
    consumer = Consumer({}, {"tp-0": ["a", "b"], "tp-1": ["c"]})
    sub = subscriber(ServiceSettings().kafka_batch_wait_ms)
    assert await sub.get_msg(consumer) == ()
    assert await sub.get_msg(consumer) == ("a", "b", "c")  # every partition's records, in one batch
    assert slept == []
    assert consumer.calls == [{"timeout_ms": 1000, "max_records": 500}] * 2


def test_the_wait_bounds_how_often_an_idle_consumer_wakes_not_latency() -> None:
    assert ServiceSettings().kafka_batch_wait_ms >= 500  # about one empty poll a second per idle consumer
