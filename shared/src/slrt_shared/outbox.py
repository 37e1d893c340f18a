"""The transactional outbox: events are rows written in the same transaction as the decision.

``OutboxRelay`` publishes unpublished rows in id order with one producer and marks them. A crash between
publishing and marking publishes a row again; consumers' inboxes drop the duplicate. On PostgreSQL one
relay per database publishes at a time (a transaction-scoped advisory lock), which keeps each case's
events in order when several instances of a service run.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_shared.contracts.envelope import KafkaRecord
from slrt_shared.db import BigId, is_postgres
from slrt_shared.logging import get_logger

log = get_logger(__name__)


def define_outbox(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "outbox",
        metadata,
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("value", sa.LargeBinary, nullable=True),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Index("ix_outbox_pending", "published_at", "id"),
    )


def create_outbox_table(op: Any) -> None:
    """For the services' first migration."""
    op.create_table(
        "outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("value", sa.LargeBinary, nullable=True),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_pending", "outbox", ["published_at", "id"])


async def add_to_outbox(session: AsyncSession, outbox: sa.Table, records: Iterable[KafkaRecord]) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "topic": r.topic,
            "key": r.key.decode() if r.key is not None else None,
            "value": r.value,
            "headers": [[k, v.decode()] for k, v in r.headers],
            "created_at": now,
            "published_at": None,
        }
        for r in records
    ]
    if rows:
        await session.execute(outbox.insert(), rows)


class OutboxRelay:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        outbox: sa.Table,
        producer: Callable[[], AIOKafkaProducer],
        name: str,
        poll_seconds: float = 0.5,
        batch_size: int = 500,
        keep_published: timedelta = timedelta(days=1),
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._producer = producer
        self._poll = poll_seconds
        self._batch = batch_size
        self._keep = keep_published
        self._wake = asyncio.Event()
        self._lock_key = int.from_bytes(hashlib.sha256(f"outbox:{name}".encode()).digest()[:8], "big", signed=True)
        self.published = 0

    def wake(self) -> None:
        self._wake.set()

    async def publish_batch(self) -> int:
        """Publish up to one batch of pending rows; return how many were published."""
        t = self._outbox
        async with self._sessions() as session, session.begin():
            if is_postgres(session):
                got = await session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(self._lock_key)))
                if not got:
                    return 0
            rows = (
                await session.execute(
                    sa.select(t.c.id, t.c.topic, t.c.key, t.c.value, t.c.headers)
                    .where(t.c.published_at.is_(None))
                    .order_by(t.c.id)
                    .limit(self._batch)
                )
            ).all()
            if not rows:
                return 0
            producer = self._producer()
            futures = []
            for row in rows:
                headers = [(k, v.encode()) for k, v in row.headers]
                key = row.key.encode() if row.key is not None else None
                futures.append(await producer.send(row.topic, row.value, key=key, headers=headers))
            await asyncio.gather(*futures)
            await session.execute(
                t.update().where(t.c.id.in_([r.id for r in rows])).values(published_at=datetime.now(UTC))
            )
        self.published += len(rows)
        return len(rows)

    async def purge_published(self) -> None:
        t = self._outbox
        async with self._sessions() as session, session.begin():
            await session.execute(
                t.delete().where(t.c.published_at.is_not(None), t.c.published_at < datetime.now(UTC) - self._keep)
            )

    async def run(self) -> None:
        backoff = self._poll
        rounds = 0
        while True:
            try:
                n = await self.publish_batch()
                backoff = self._poll
                rounds += 1
                if rounds % 1000 == 0:
                    await self.purge_published()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker or database is away: keep the rows, try again later
                log.warning("outbox_publish_failed", error=type(exc).__name__, retry_in=backoff)
                n = 0
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if n >= self._batch:
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            except TimeoutError:
                pass
