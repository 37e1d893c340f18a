"""The reference: the raw broker's produce and consume rate with a plain aiokafka client, same run."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from slrt_shared.embedded_broker import EmbeddedBroker, free_port

VALUE = b'{"case_id":"00000000-0000-0000-0000-000000000000","level":"desa","at":"2026-11-23T09:00:00Z"}' * 3


@dataclass
class RawBroker:
    bootstrap: str
    messages: int
    produce_per_s: float
    consume_per_s: float
    hop_ms: float

    @property
    def produce_us(self) -> float:
        return 1e6 / self.produce_per_s

    @property
    def passthrough_per_s(self) -> float:
        """Messages a second through one produce-then-drain pass: what one hop of the pipeline could carry."""
        return 1 / (1 / self.produce_per_s + 1 / self.consume_per_s)

    def figures(self) -> list[tuple[str, str]]:
        return [
            ("messages", f"{self.messages:,}"),
            ("produce (acks=all, batched)", f"{self.produce_per_s:,.0f} msg/s"),
            ("consume from the beginning", f"{self.consume_per_s:,.0f} msg/s"),
            ("one produce -> consume hop", f"{self.hop_ms:.2f} ms"),
        ]


async def measure(bootstrap: str, n: int, value: bytes = VALUE) -> RawBroker:
    topic = f"bench.raw.{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    await producer.start()
    try:
        start = time.perf_counter()
        futures = [await producer.send(topic, value, key=str(i % 64).encode()) for i in range(n)]
        for f in futures:
            await f
        produce = n / (time.perf_counter() - start)
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                    enable_auto_commit=False, fetch_max_wait_ms=50)
        await consumer.start()
        try:
            got, start = 0, time.perf_counter()
            while got < n:
                batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
                got += sum(len(v) for v in batch.values())
            consume = n / (time.perf_counter() - start)
            hops = []
            for _ in range(20):
                t0 = time.perf_counter()
                await producer.send_and_wait(topic, value, key=b"hop")
                while not sum(len(v) for v in (await consumer.getmany(timeout_ms=1000)).values()):
                    pass
                hops.append(time.perf_counter() - t0)
        finally:
            await consumer.stop()
    finally:
        await producer.stop()
    hops.sort()
    return RawBroker(bootstrap, n, produce, consume, hops[len(hops) // 2] * 1000)


@asynccontextmanager
async def baseline(*, quick: bool = False) -> AsyncIterator[RawBroker]:
    broker = EmbeddedBroker(port=free_port()).start()
    try:
        yield await measure(broker.bootstrap, 5_000 if quick else 50_000)
    finally:
        broker.stop()
