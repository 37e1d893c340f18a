"""Reliable consumption: parse the envelope, retry a failing handler with backoff, then dead-letter.

A message that cannot be read (no CloudEvent, invalid data) goes straight to ``<topic>.dlt``; one whose
handler keeps failing goes there after ``attempts`` tries. Either way the partition keeps flowing. The
offset is committed only after the handler's transaction (FastStream ``NACK_ON_ERROR``): if even the
dead-letter publish fails, the message is redelivered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from pydantic import ValidationError

from slrt_shared.access.messages import sender_headers, sender_of
from slrt_shared.access.principal import Principal
from slrt_shared.access.tokens import TokenRejected, TokenVerifier
from slrt_shared.contracts.envelope import CloudEvent, EnvelopeError, from_kafka
from slrt_shared.errors import PermanentError, safe_error_message
from slrt_shared.logging import get_logger
from slrt_shared.topics import Topics

log = get_logger(__name__)

EventHandler = Callable[..., Awaitable[None]]  # (event) or, when authenticating, (event, sender)
Sender = Principal | TokenRejected  # who sent a command, or why no one could be verified
TombstoneHandler = Callable[[str], Awaitable[None]]
PERMANENT = (EnvelopeError, ValidationError, PermanentError)


class DeadLetters:
    def __init__(self, producer: Callable[[], AIOKafkaProducer]) -> None:
        self._producer = producer
        self.sent = 0

    async def send(self, record: Any, *, error: BaseException, attempts: int, sender: Principal | None = None) -> None:
        """The original value and CloudEvents headers, the reason, and the verified sender if there was one;
        never the sender's token (``authorization``)."""
        headers = [(k, v) for k, v in (record.headers or []) if not k.startswith("x-") and k.lower() != "authorization"]
        headers += sender_headers(sender) if sender is not None else []
        headers += [
            ("x-error-type", type(error).__name__.encode()),
            ("x-error-message", safe_error_message(error).encode()),
            ("x-original-topic", record.topic.encode()),
            ("x-original-partition", str(record.partition).encode()),
            ("x-original-offset", str(record.offset).encode()),
            ("x-attempts", str(attempts).encode()),
        ]
        await self._producer().send_and_wait(Topics.dead_letter(record.topic), record.value, key=record.key,
                                           headers=headers)
        self.sent += 1


class ReliableHandler:
    """Wraps a use case as a FastStream handler that never blocks its partition."""

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
    ) -> None:
        self.name = name
        self._verifier = authenticate
        self._handle = handle
        self._dead = dead_letters
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._on_tombstone = on_tombstone

    async def __call__(self, record: Any) -> None:
        if record.value is None and self._on_tombstone is not None and record.key is not None:
            await self._on_tombstone(record.key.decode("utf-8", "replace"))
            return
        try:
            event = from_kafka(record.headers or [], record.value, record.key)
        except EnvelopeError as exc:
            await self._give_up(record, exc, 1)
            return
        sender: Sender | None = None
        if self._verifier is not None:
            try:
                sender = await sender_of(event, self._verifier)
            except TokenRejected as exc:
                sender = exc
        verified = sender if isinstance(sender, Principal) else None
        for attempt in range(1, self._attempts + 1):
            try:
                await (self._handle(event) if self._verifier is None else self._handle(event, sender))
                return
            except PERMANENT as exc:
                await self._give_up(record, exc, attempt, verified)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if attempt == self._attempts:
                    log.exception("handler_failed", consumer=self.name, ce_type=event.type, ce_id=event.id)
                    await self._give_up(record, exc, attempt, verified)
                    return
                log.warning("handler_retry", consumer=self.name, ce_type=event.type, attempt=attempt,
                            error=type(exc).__name__)
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))

    async def _give_up(self, record: Any, exc: BaseException, attempts: int, sender: Principal | None = None) -> None:
        log.warning("dead_lettered", consumer=self.name, topic=record.topic, partition=record.partition,
                    offset=record.offset, error_type=type(exc).__name__, error=safe_error_message(exc))
        await self._dead.send(record, error=exc, attempts=attempts, sender=sender)


BatchHandler = Callable[[list[CloudEvent]], Awaitable[None]]


class ReliableBatchHandler:
    """Handles a batch of messages in one go (one transaction, where throughput matters).

    Unreadable messages are dead-lettered on their own; if the batch fails, each message is handled alone by
    ``single`` (with its retries and dead letters), so one poison message never holds up the others.
    """

    def __init__(self, *, name: str, handle_batch: BatchHandler, single: ReliableHandler) -> None:
        self.name = name
        self._handle_batch = handle_batch
        self._single = single

    async def __call__(self, records: list[Any]) -> None:
        events, readable = [], []
        for record in records:
            try:
                events.append(from_kafka(record.headers or [], record.value, record.key))
                readable.append(record)
            except EnvelopeError as exc:
                await self._single._give_up(record, exc, 1)  # noqa: SLF001 - same policy, same dead letters
        if not events:
            return
        try:
            await self._handle_batch(events)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("batch_failed_one_by_one", consumer=self.name, size=len(events), error=type(exc).__name__)
            for record in readable:
                await self._single(record)
