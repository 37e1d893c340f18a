"""Reliable consumption: read the envelope, tell the three kinds of failure apart, dead-letter only what
can never be used.

A message that cannot be read, is too large, has an unknown type or is refused goes to ``<topic>.dlt`` at
once with its reason; one whose handler hits an unavailable dependency raises ``Paused``, and the runtime
pauses its partition and delivers the same message again after a backoff (nothing is skipped, nothing
dead-lettered); one whose handler keeps failing for another reason goes there after ``attempts`` tries with
reason ``unexpected`` (see ``failures``). The offset is committed only after the handler's transaction
(FastStream ``NACK_ON_ERROR``): if even the dead-letter publish fails, the message is delivered again.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from slrt_contracts.envelope import CloudEvent, EnvelopeError, from_kafka
from slrt_contracts.registry import model_for
from slrt_contracts.topics import Topics

from slrt_shared import metrics, spans
from slrt_shared.access.messages import sender_headers, sender_of
from slrt_shared.access.principal import Principal
from slrt_shared.access.tokens import TokenRejected, TokenVerifier
from slrt_shared.errors import safe_error_message
from slrt_shared.failures import Paused, Reason, Undecodable, Unusable, is_transient, permanent_reason
from slrt_shared.logging import get_logger

log = get_logger(__name__)

EventHandler = Callable[..., Awaitable[None]]  # (event) or, when authenticating, (event, sender)
Sender = Principal | TokenRejected  # who sent a command, or why no one could be verified
TombstoneHandler = Callable[[str], Awaitable[None]]
DEFAULT_MAX_MESSAGE_BYTES = 1_048_576


class DeadLetters:
    def __init__(self, producer: Callable[[], AIOKafkaProducer]) -> None:
        self._producer = producer
        self.sent = 0
        self.by_reason: Counter[str] = Counter()  # what went to the dead letters since start, by reason

    async def send(self, record: Any, *, error: BaseException, attempts: int, reason: Reason,
                   sender: Principal | None = None, consumer: str | None = None) -> None:
        """The original value and CloudEvents headers, the reason, the consumer that gave up, and the verified
        sender if there was one; never the sender's token (``authorization``)."""
        headers = [(k, v) for k, v in (record.headers or []) if not k.startswith("x-") and k.lower() != "authorization"]
        headers += sender_headers(sender) if sender is not None else []
        headers += [
            ("x-error-reason", reason.value.encode()),
            ("x-error-type", _error_type(error).encode()),
            ("x-error-message", safe_error_message(error).encode()),
            ("x-original-topic", record.topic.encode()),
            ("x-original-partition", str(record.partition).encode()),
            ("x-original-offset", str(record.offset).encode()),
            ("x-attempts", str(attempts).encode()),
        ]
        headers += [("x-consumer", consumer.encode())] if consumer else []
        await self._producer().send_and_wait(Topics.dead_letter(record.topic), record.value, key=record.key,
                                           headers=headers)
        self.sent += 1
        self.by_reason[reason.value] += 1
        metrics.DEAD_LETTERED.labels(record.topic, consumer or "", reason.value).inc()


def _error_type(error: BaseException) -> str:
    return "EnvelopeError" if isinstance(error, EnvelopeError) else type(error).__name__


def read(record: Any, *, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> CloudEvent:
    """The record's CloudEvent of a type of the contract; ``Undecodable`` or ``Unusable`` (both permanent)
    when it has none to give."""
    return known(decode(record, max_bytes=max_bytes))


def known(event: CloudEvent) -> CloudEvent:
    """The event, if its type is one of the contract's; ``Unusable`` (permanent) if not."""
    if model_for(event.type) is None:
        raise Unusable(Reason.UNKNOWN_TYPE, "ce_type is not an event type of the contract")
    return event


def decode(record: Any, *, max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> CloudEvent:
    """The record's CloudEvent, of whatever type; ``Undecodable`` or ``Unusable`` when it has none.

    Any exception while reading is permanent: a deeply nested value (``RecursionError``), a number of
    thousands of digits (``ValueError``) and bytes that are not UTF-8 will not read better next time."""
    size = len(record.value or b"")
    if size > max_bytes:
        raise Unusable(Reason.TOO_LARGE, f"value of {size} bytes is larger than the maximum of {max_bytes}")
    try:
        event = from_kafka(record.headers or [], record.value, record.key)
    except Exception as exc:  # noqa: BLE001 - whatever fails while reading is the message's fault
        raise Undecodable(str(exc)[:200] if type(exc).__name__ == "EnvelopeError"
                          else f"value cannot be read ({type(exc).__name__})") from None
    return event


class ReliableHandler:
    """Wraps a use case as a FastStream handler: one message's failure never blocks its partition for
    longer than a dependency is away, and never sends a valid message to the dead letters."""

    def __init__(
        self,
        *,
        name: str,
        handle: EventHandler,
        dead_letters: DeadLetters,
        attempts: int = 3,
        backoff_seconds: float = 0.2,
        on_tombstone: TombstoneHandler | None = None,
        authenticate: TokenVerifier | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self.name = name
        self.group: str | None = None  # the consumer group, once subscribed (for the spans)
        self.verifier = authenticate
        self._handle = handle
        self._dead = dead_letters
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._on_tombstone = on_tombstone
        self.max_message_bytes = max_message_bytes

    async def __call__(self, record: Any) -> None:
        """Handle one record; raises ``Paused`` when a dependency is away (the record is to come again)."""
        try:
            await self._consume(record)
        except Paused:
            raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the dead-letter publish itself failed
            if is_transient(exc):
                raise Paused(exc) from exc
            raise

    async def _consume(self, record: Any) -> None:
        if record.value is None and self._on_tombstone is not None and record.key is not None:
            key = record.key.decode("utf-8", "replace")
            await self._attempt(record, lambda: self._on_tombstone(key), ce_type="tombstone")  # type: ignore[misc]
            return
        try:
            event = decode(record, max_bytes=self.max_message_bytes)
        except (Undecodable, Unusable) as exc:
            await self.give_up(record, exc, 1, exc.reason)
            return
        sender: Sender | None = None
        if self.verifier is not None:
            try:
                sender = await sender_of(event, self.verifier)
            except TokenRejected as exc:
                sender = exc
        verified = sender if isinstance(sender, Principal) else None
        try:
            known(event)
        except Unusable as exc:  # dead-lettered with whoever sent it, once that is known
            await self.give_up(record, exc, 1, exc.reason, verified)
            return
        with spans.processing([(record, event)], consumer=self.name, group=self.group, current=True) as (traced,):
            await self._attempt(record, lambda: self._handle(traced) if self.verifier is None
                                else self._handle(traced, sender), ce_type=event.type, sender=verified)

    async def _attempt(self, record: Any, work: Callable[[], Awaitable[None]], *, ce_type: str,
                       sender: Principal | None = None) -> None:
        for attempt in range(1, self._attempts + 1):
            try:
                await work()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = permanent_reason(exc)
                if reason is not None:
                    await self.give_up(record, exc, attempt, reason, sender)
                    return
                if is_transient(exc):
                    raise Paused(exc) from exc
                metrics.FAILED.labels(record.topic, self.name, "retry" if attempt < self._attempts else "gave_up").inc()
                if attempt == self._attempts:
                    log.exception("handler_failed", consumer=self.name, ce_type=ce_type, topic=record.topic,
                                  partition=record.partition, offset=record.offset)
                    await self.give_up(record, exc, attempt, Reason.UNEXPECTED, sender)
                    return
                log.warning("handler_retry", consumer=self.name, ce_type=ce_type, attempt=attempt,
                            error=type(exc).__name__)
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))

    async def give_up(self, record: Any, exc: BaseException, attempts: int, reason: Reason,
                      sender: Principal | None = None) -> None:
        log.warning("dead_lettered", consumer=self.name, topic=record.topic, partition=record.partition,
                    offset=record.offset, reason=reason.value, error_type=type(exc).__name__,
                    error=safe_error_message(exc))
        await self._dead.send(record, error=exc, attempts=attempts, reason=reason, sender=sender,
                              consumer=self.name)


BatchHandler = Callable[[list[Any]], Awaitable[None]]  # [event, ...] or, when authenticating, [(event, sender), ...]


class ReliableBatchHandler:
    """Handles a batch of messages in one go (one transaction, where throughput matters).

    Unusable messages are dead-lettered on their own, in their place: the readable messages before one are
    handled first, so a tombstone or a dead letter never overtakes an earlier message of its key. If a
    dependency is away the whole batch waits (``Paused``); if a run fails otherwise, each of its messages is
    handled alone by ``single`` (with its retries and dead letters), so one poison message never holds up the
    others. With ``authenticate`` (the single handler's verifier) the batch is of ``(event, sender)`` pairs.
    """

    def __init__(self, *, name: str, handle_batch: BatchHandler, single: ReliableHandler,
                 authenticate: TokenVerifier | None = None) -> None:
        self.name = name
        self._handle_batch = handle_batch
        self._single = single
        self._verifier = authenticate
        self._group: str | None = None

    @property
    def group(self) -> str | None:
        """The consumer group, once subscribed (its single handler's too)."""
        return self._group

    @group.setter
    def group(self, value: str | None) -> None:
        self._group = self._single.group = value

    async def __call__(self, records: list[Any]) -> None:
        if not records:
            return
        with spans.batch(records[0].topic, len(records), consumer=self.name, group=self.group):
            run: list[tuple[Any, CloudEvent, Sender | None]] = []
            for record in records:
                try:
                    event = read(record, max_bytes=self._single.max_message_bytes)
                except (Undecodable, Unusable):
                    await self._run(run)
                    run = []
                    await self._single(record)  # reads it again and dead-letters it (or a tombstone) with its reason
                    continue
                run.append((record, event, None if self._verifier is None else await self._sender(event)))
            await self._run(run)

    async def _sender(self, event: CloudEvent) -> Sender:
        try:
            return await sender_of(event, self._verifier)  # type: ignore[arg-type]
        except TokenRejected as exc:
            return exc

    async def _run(self, run: list[tuple[Any, CloudEvent, Sender | None]]) -> None:
        if not run:
            return
        try:
            with spans.processing([(record, event) for record, event, _ in run], consumer=self.name,
                                  group=self.group) as events:
                await self._handle_batch(events if self._verifier is None
                                         else [(event, sender) for event, (_, _, sender) in zip(events, run,
                                                                                                 strict=True)])
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_transient(exc):
                raise Paused(exc) from exc
            log.warning("batch_failed_one_by_one", consumer=self.name, size=len(run), error=type(exc).__name__)
            metrics.FAILED.labels(run[0][0].topic, self.name, "batch_one_by_one").inc()
            for record, _, _ in run:
                await self._single(record)
