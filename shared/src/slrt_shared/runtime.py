"""The Kafka side of one service: a FastStream broker for its subscribers and one aiokafka producer for the
outbox relay and the dead letters. Both start in the background and keep retrying, so a service whose
broker is away still starts, answers HTTP and writes its outbox; it catches up when the broker returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from slrt_contracts.topics import Topics

from slrt_shared import metrics
from slrt_shared.consumer import DeadLetters, ReliableBatchHandler, ReliableHandler
from slrt_shared.failures import Paused
from slrt_shared.kafka import ensure_topics, make_broker, make_producer
from slrt_shared.logging import get_logger
from slrt_shared.pauses import PartitionPauses
from slrt_shared.settings import ServiceSettings

log = get_logger(__name__)


async def _raw_body(message: Any) -> Any:
    """Leave the value undecoded: the envelope code reads it, and a value that claims to be JSON but is not
    must reach the dead letters instead of failing inside the framework and being redelivered forever."""
    return message.body


class KafkaRuntime:
    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.broker: KafkaBroker = make_broker(settings)
        self._producer: AIOKafkaProducer | None = None  # created in the running loop
        self.dead_letters = DeadLetters(lambda: self.producer)
        self.pauses = PartitionPauses(first_seconds=settings.consumer_retry_backoff_seconds,
                                      max_seconds=settings.consumer_pause_max_seconds)
        self.producer_ready = asyncio.Event()
        self.consumers_ready = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._subscribers = 0
        self._topics: list[str] = []

    def reliable(self, name: str, handle: Any, **options: Any) -> ReliableHandler:
        """A handler with this service's retry policy and dead letters."""
        return ReliableHandler(name=name, handle=handle, dead_letters=self.dead_letters,
                               attempts=self.settings.consumer_attempts,
                               backoff_seconds=self.settings.consumer_retry_backoff_seconds,
                               max_message_bytes=self.settings.kafka_max_message_bytes, **options)

    def batched(self, name: str, handle_batch: Any, **options: Any) -> ReliableBatchHandler:
        """Messages a batch at a time: ``handle_batch`` gets the readable ones in one call (``(event, sender)``
        pairs with ``authenticate``). What cannot be read, and each message of a batch that failed, goes to a
        ``reliable`` handler (with ``options``: ``authenticate``, ``on_tombstone``) that calls ``handle_batch``
        with a batch of one."""

        async def one(event: Any, *sender: Any) -> None:
            await handle_batch([(event, *sender)] if sender else [event])

        single = self.reliable(name, one, **options)
        return ReliableBatchHandler(name=name, handle_batch=handle_batch, single=single,
                                    authenticate=single.verifier)

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("the Kafka producer is not started yet")
        return self._producer

    def subscribe(self, topic: str, *, group: str, handler: ReliableHandler | ReliableBatchHandler,
                  description: str = "", batch_size: int = 500) -> None:
        """Consume ``topic`` in a consumer group; the offset is committed after the handler's effects.

        A ``ReliableBatchHandler`` gets up to ``batch_size`` messages at a time (one transaction per batch)."""
        batch = isinstance(handler, ReliableBatchHandler)
        handler.group = self.settings.consumer_group(group)

        timed = metrics.HANDLER_SECONDS.labels(topic, handler.name)
        consumed = metrics.CONSUMED.labels(topic, handler.name)
        sizes = metrics.BATCH_SIZE.labels(topic, handler.name)

        async def on_message(message: KafkaMessage) -> None:
            raw = message.raw_message
            records = list(raw) if isinstance(raw, tuple | list) else [raw]
            started = time.perf_counter()
            try:
                await handler(records if batch else records[0])  # type: ignore[arg-type]
            except Paused as paused:  # a dependency is away: the same records come again, nothing is skipped
                metrics.FAILED.labels(topic, handler.name, "paused").inc()
                self.pauses.pause(message.consumer, records, paused)
                await message.nack()  # no commit
                return
            timed.observe(time.perf_counter() - started)
            consumed.inc(len(records))
            if batch:
                sizes.observe(len(records))
            self.pauses.flowing(records)

        on_message.__name__ = handler.name.replace("-", "_")
        options: dict[str, Any] = {"batch": True, "max_records": batch_size,
                                   "batch_timeout_ms": self.settings.kafka_batch_wait_ms} if batch else {}
        self.broker.subscriber(
            topic,
            group_id=self.settings.consumer_group(group),
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            decoder=_raw_body,
            fetch_max_wait_ms=self.settings.kafka_fetch_max_wait_ms,
            title=f"{handler.name}:{topic}",
            description=description,
            **options,
        )(on_message)
        self._subscribers += 1
        self._topics += [topic, Topics.dead_letter(topic)]

    def uses(self, *topics: str) -> None:
        """Declare topics this service writes, so they exist with the configured partitions."""
        self._topics += topics

    def spawn(self, make: Callable[[], Awaitable[None]], *, name: str, needs_producer: bool = True) -> None:
        """Run a background loop (the outbox relay, timers, deliveries), by default once the producer is up."""

        async def _after_producer() -> None:
            if needs_producer:
                await self.producer_ready.wait()
            await make()

        self._tasks.append(asyncio.create_task(_after_producer(), name=name))

    async def _start_producer(self) -> None:
        delay = 0.5
        while True:
            producer = make_producer(self.settings)
            try:
                if self._topics:
                    await ensure_topics(self.settings, self._topics)
                await producer.start()
                self._producer = producer
                self.producer_ready.set()
                return
            except Exception as exc:
                log.warning("kafka_unreachable", part="producer", error=type(exc).__name__, retry_in=delay)
                with contextlib.suppress(Exception):
                    await producer.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _start_consumers(self) -> None:
        if not self._subscribers:
            self.consumers_ready.set()
            return
        await self.producer_ready.wait()
        delay = 0.5
        while True:
            try:
                await self.broker.start()
                self.consumers_ready.set()
                return
            except Exception as exc:
                log.warning("kafka_unreachable", part="consumers", error=type(exc).__name__, retry_in=delay)
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._start_producer(), name="kafka-producer"))
        self._tasks.append(asyncio.create_task(self._start_consumers(), name="kafka-consumers"))

    async def stop(self) -> None:
        for task in reversed(self._tasks):
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(Exception):
            await self.broker.stop()
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await self._producer.stop()

    async def ping(self) -> None:
        if not self.producer_ready.is_set() or not self.consumers_ready.is_set():
            raise RuntimeError("kafka not connected")
        await self.producer.client.fetch_all_metadata()

    async def read_lag(self) -> None:
        """``slrt_consumer_lag`` of each partition this instance consumes: the end of the partition less the
        group's committed offset (what is still to be handled if this instance stopped now)."""
        for subscriber in self.broker.subscribers:
            consumer = getattr(subscriber, "consumer", None)
            assigned = sorted(consumer.assignment(), key=lambda tp: (tp.topic, tp.partition)) if consumer else []
            if not assigned:
                continue
            group = getattr(consumer, "_group_id", None) or ""
            ends = await consumer.end_offsets(assigned)
            for tp in assigned:
                committed = await consumer.committed(tp)
                metrics.LAG.labels(tp.topic, str(tp.partition), group).set(max(0, ends[tp] - (committed or 0)))

    async def consuming(self) -> None:
        """Readiness of the consumers: no partition waits for a dependency."""
        await self.pauses.check()
