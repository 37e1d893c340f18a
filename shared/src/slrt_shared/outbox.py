"""The transactional outbox: events are rows written in the same transaction as the decision.

``OutboxRelay`` publishes unpublished rows in id order with one producer and marks them. A crash between
publishing and marking publishes a row again; consumers' inboxes drop the duplicate. One relay per database
publishes at a time, which keeps each case's events in order and publishes no row twice when several
instances of a service run: on PostgreSQL a transaction-scoped advisory lock, on SQLite a lock on a file
beside the database (``RelayFileLock``), released by the kernel if the process dies.

A failure to publish is one of two kinds (``failure_kind``). Transient (the broker away, a timeout, a leader
moving): nothing is marked, the batch is tried again with backoff, and order is kept. Permanent (the record is
larger than the producer or broker accepts, the topic name is invalid, the producer is not authorised on the
topic, the row cannot be encoded): that row alone is quarantined (``quarantined_at``, ``quarantine_reason``),
never tried again automatically, and the rows of other keys flow on. The later rows of the quarantined row's
key are held back (blocked), because publishing them would put a case's events out of order; they flow once
the quarantined row is released (``release_quarantined``) or dropped (``drop_quarantined``) by an operator
(``slrt outbox``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka import errors as kafka_errors
from opentelemetry.trace import Span
from slrt_contracts.envelope import KafkaRecord
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_shared import metrics, spans, transitions
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
        sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quarantine_reason", sa.String(200), nullable=True),
        *_partial_indexes(),
    )


#: Partial indexes, each of the rows one reader wants: the relay's rows still to publish, in order; the
#: quarantined rows by key (is any row held back, and which); the published rows by time, for the purge. A
#: planner without statistics of a fresh table, as in a service's first minutes under load, picks each for its
#: reader, since no other index matches. The first two stay as small as the backlog, however many published
#: rows the table keeps. Before them, PostgreSQL checked each pending row against every earlier pending row (a
#: backlog of n rows cost n² row visits per batch), and SQLite read the relay's rows through
#: ``ix_outbox_quarantined``: every row never quarantined, published or not.
_UNPUBLISHED = "published_at IS NULL AND quarantined_at IS NULL"
_HELD = "published_at IS NULL AND quarantined_at IS NOT NULL"
_PUBLISHED = "published_at IS NOT NULL"
_PARTIAL = (("ix_outbox_unpublished", ["id"], _UNPUBLISHED), ("ix_outbox_held", ["key", "id"], _HELD),
            ("ix_outbox_published", ["published_at"], _PUBLISHED))


def _partial_indexes() -> list[sa.Index]:
    return [sa.Index(name, *columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))
            for name, columns, where in _PARTIAL]


def add_outbox_live_indexes(op: Any) -> None:
    """For the migration that gives an existing outbox its partial indexes, instead of ``ix_outbox_pending`` and
    ``ix_outbox_quarantined``."""
    op.drop_index("ix_outbox_quarantined", table_name="outbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    for name, columns, where in _PARTIAL:
        op.create_index(name, "outbox", columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def drop_outbox_live_indexes(op: Any) -> None:
    for name, _, _ in reversed(_PARTIAL):
        op.drop_index(name, table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["published_at", "id"])
    op.create_index("ix_outbox_quarantined", "outbox", ["quarantined_at"])


def create_outbox_table(op: Any) -> None:
    """For the services' first migration: the table as it was first made. Kept as it was, since migrations
    that ran must not change meaning; ``add_outbox_quarantine`` adds the later columns."""
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


def add_outbox_quarantine(op: Any) -> None:
    """For the migration that gives an existing outbox its quarantine columns."""
    op.add_column("outbox", sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("quarantine_reason", sa.String(200), nullable=True))
    op.create_index("ix_outbox_quarantined", "outbox", ["quarantined_at"])


def drop_outbox_quarantine(op: Any) -> None:
    op.drop_index("ix_outbox_quarantined", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("quarantine_reason")
        batch.drop_column("quarantined_at")


# Kafka's own rule for topic names. A name outside it is refused by the broker, but aiokafka only waits for
# metadata that never comes and reports an unknown topic (retriable), so it is checked here.
_TOPIC = re.compile(r"[a-zA-Z0-9._-]{1,249}")

# Errors that publishing the same record again can never cure; everything else is transient.
PERMANENT: dict[type[BaseException], str] = {
    kafka_errors.MessageSizeTooLargeError: "too_large",  # larger than max_request_size or the broker's limit
    kafka_errors.RecordTooLargeError: "too_large",
    kafka_errors.RecordListTooLargeError: "too_large",
    kafka_errors.InvalidTopicError: "invalid_topic",
    kafka_errors.TopicAuthorizationFailedError: "not_authorized",  # an ACL to fix; then released
    kafka_errors.PolicyViolationError: "policy_violation",
    kafka_errors.UnsupportedForMessageFormatError: "unsupported_format",
    kafka_errors.CorruptRecordException: "corrupt_record",
    kafka_errors.InvalidTimestampError: "invalid_timestamp",
    UnicodeError: "unencodable",  # key or headers that cannot be encoded, a row with neither key nor value
    AssertionError: "unencodable",
    TypeError: "unencodable",
    ValueError: "unencodable",
}


class InvalidTopicName(ValueError):
    pass


def failure_kind(exc: BaseException) -> str | None:
    """The quarantine reason code when ``exc`` is permanent for the record that raised it, else None.
    The broker being away (KafkaConnectionError, NoBrokersAvailable, KafkaTimeoutError, RequestTimedOut,
    NotLeaderForPartition, UnknownTopicOrPartition while a topic is being made, ...) is transient."""
    if isinstance(exc, InvalidTopicName):
        return "invalid_topic"
    for kind, reason in PERMANENT.items():
        if isinstance(exc, kind):
            return reason
    return None


@dataclass(frozen=True)
class Held:
    """What the relay holds back: quarantined rows, and rows behind them of the same key (blocked)."""

    quarantined: int
    blocked: int


@dataclass(frozen=True)
class QuarantinedRow:
    id: int
    topic: str
    key: str | None
    size: int
    created_at: datetime
    quarantined_at: datetime
    reason: str
    blocked: int


def _quarantined(t: sa.FromClause) -> Any:
    return sa.and_(t.c.published_at.is_(None), t.c.quarantined_at.is_not(None))


def _unpublished(t: sa.FromClause) -> Any:
    """Rows still to publish (not quarantined)."""
    return sa.and_(t.c.published_at.is_(None), t.c.quarantined_at.is_(None))


def _behind_quarantined(t: sa.Table) -> Any:
    """A quarantined row of the same key comes before the row."""
    q = t.alias("q")
    return sa.exists().where(q.c.key == t.c.key, q.c.id < t.c.id, _quarantined(q))


def _blocked(t: sa.Table) -> Any:
    """Pending rows behind a quarantined row of the same key."""
    return sa.and_(_unpublished(t), t.c.key.is_not(None), _behind_quarantined(t))


async def held(session: AsyncSession, outbox: sa.Table) -> Held:
    t = outbox
    quarantined = await session.scalar(sa.select(sa.func.count()).select_from(t).where(_quarantined(t)))
    blocked = await session.scalar(sa.select(sa.func.count()).select_from(t).where(_blocked(t)))
    return Held(quarantined=quarantined or 0, blocked=blocked or 0)


async def quarantined_rows(session: AsyncSession, outbox: sa.Table) -> list[QuarantinedRow]:
    """The quarantined rows, oldest first, with how many rows of their key each holds back. Never the value."""
    t = outbox
    b = t.alias("b")
    blocked = (sa.select(sa.func.count()).select_from(b)
               .where(b.c.key == t.c.key, b.c.id > t.c.id, b.c.published_at.is_(None)).scalar_subquery())
    rows = (await session.execute(
        sa.select(t.c.id, t.c.topic, t.c.key, sa.func.coalesce(sa.func.length(t.c.value), 0), t.c.created_at,
                  t.c.quarantined_at, t.c.quarantine_reason, blocked)
        .where(_quarantined(t)).order_by(t.c.id))).all()
    return [QuarantinedRow(id=r[0], topic=r[1], key=r[2], size=r[3], created_at=r[4], quarantined_at=r[5],
                           reason=r[6] or "", blocked=r[7] or 0) for r in rows]


async def release_quarantined(session: AsyncSession, outbox: sa.Table, ids: Sequence[int]) -> int:
    """Put quarantined rows back in line (after their cause is fixed); the relay publishes them in order,
    then the rows of their keys they held back. Returns how many were released."""
    t = outbox
    result = await session.execute(t.update().where(_quarantined(t), t.c.id.in_(list(ids)))
                                   .values(quarantined_at=None, quarantine_reason=None))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def drop_quarantined(session: AsyncSession, outbox: sa.Table, ids: Sequence[int]) -> int:
    """Delete quarantined rows that will never be published; the rows they held back then flow."""
    t = outbox
    result = await session.execute(t.delete().where(_quarantined(t), t.c.id.in_(list(ids))))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def add_to_outbox(session: AsyncSession, outbox: sa.Table, records: Iterable[KafkaRecord]) -> None:
    """Write the records in the session's transaction; the business transitions among them are logged when it
    commits (``transitions``)."""
    records = list(records)
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
        transitions.remember(session, records)
        await session.execute(outbox.insert(), rows)
        if is_postgres(session):  # delivered at commit, to the relays of every instance (``OutboxRelay.listen``)
            await session.execute(sa.select(sa.func.pg_notify(NOTIFY_CHANNEL, "")))


class RelayFileLock:
    """The SQLite counterpart of the relay's advisory lock: an exclusive ``flock`` on ``<database>.outbox-<name>.lock``,
    tried without waiting. Instances sharing a SQLite database share its file system, so the lock is seen by all
    of them; the kernel releases it when the holder's process dies. An in-memory database has no other
    instance and needs no lock."""

    def __init__(self, database: str | None, name: str) -> None:
        self._path = f"{database}.outbox-{name}.lock" if database and database != ":memory:" else None
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._path is None:
            return True
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


#: The PostgreSQL channel a commit that wrote outbox rows notifies (each service has a database of its own).
NOTIFY_CHANNEL = "slrt_outbox"


def any_held(t: sa.Table) -> sa.Select[Any]:
    """One quarantined row's id, if there is one (through ``ix_outbox_held``, as small as the quarantine)."""
    return sa.select(t.c.id).where(_quarantined(t)).limit(1)


def published_before(t: sa.Table, cutoff: datetime) -> Any:
    """The published rows older than ``cutoff``, for the purge (through ``ix_outbox_published``)."""
    return sa.and_(t.c.published_at.is_not(None), t.c.quarantined_at.is_(None), t.c.published_at < cutoff)


def pending_rows(t: sa.Table, limit: int, *, held_back: bool) -> sa.Select[Any]:
    """The relay's next rows in id order (through ``ix_outbox_unpublished``). Only when a row is quarantined
    (``held_back``) is each row checked for a quarantined row of its key before it."""
    query = sa.select(t.c.id, t.c.topic, t.c.key, t.c.value, t.c.headers, t.c.created_at).where(_unpublished(t))
    if held_back:
        query = query.where(~_behind_quarantined(t))
    return query.order_by(t.c.id).limit(limit)


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
        engine = sessions.kw.get("bind")
        self._file_lock = RelayFileLock(engine.url.database if engine is not None else None, name)
        self.published = 0
        self.quarantined = 0
        self.listening = False  # LISTENing for other instances' commits (PostgreSQL)

    def wake(self) -> None:
        self._wake.set()

    @property
    def woken(self) -> bool:
        """A wake not yet taken: the relay is about to look for rows."""
        return self._wake.is_set()

    async def publish_batch(self) -> int:
        """Publish up to one batch of pending rows; return how many were published or quarantined.

        Rows of a key with a quarantined row are not read. A row refused for good at ``send`` is quarantined
        and the later rows of its key in the batch are not sent; a transient failure raises, marking nothing.

        On PostgreSQL the rows are read, published and marked in one transaction holding the relay's advisory
        lock, so one instance publishes at a time. On SQLite the relay's file lock is held instead, and the rows
        are read in one short transaction and marked in another: the database's only write lock is not held
        while the broker acknowledges, so the service's other writers do not wait for it.
        """
        if is_postgres(self._sessions.kw["bind"]):
            async with self._sessions() as session, session.begin():
                got = await session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(self._lock_key)))
                if not got:
                    return 0
                rows = await self._pending(session)
                published, refused = await self._send(rows)
                await self._mark(session, rows, published, refused)
        else:
            if not self._file_lock.try_acquire():
                return 0
            try:
                async with self._sessions() as session:
                    async with session.begin():
                        rows = await self._pending(session)
                    published, refused = await self._send(rows)
                    if published or refused:
                        async with session.begin():
                            await self._mark(session, rows, published, refused)
            finally:
                self._file_lock.release()
        self.published += len(published)
        self.quarantined += len(refused)
        if published:
            topics = {row.id: row.topic for row in rows}
            for topic, count in collections.Counter(topics[i] for i in published).items():
                metrics.PUBLISHED.labels(topic).inc(count)
        return len(published) + len(refused)

    async def _pending(self, session: AsyncSession) -> list[Any]:
        """The next batch of pending rows in id order, without the rows a quarantined row holds back."""
        t = self._outbox
        held_back = await session.scalar(any_held(t)) is not None
        return list((await session.execute(pending_rows(t, self._batch, held_back=held_back))).all())

    async def _send(self, rows: list[Any]) -> tuple[list[int], dict[int, str]]:
        """Send the rows in order and wait for the broker: the ids published, and the refused ones' reasons."""
        if not rows:
            return [], {}
        producer = self._producer()
        sent: list[tuple[Any, Any, Span]] = []  # (row, its future, its span)
        refused: dict[int, str] = {}
        stopped: set[str] = set()  # keys with a row refused in this batch: nothing later of theirs is sent
        producing: list[Span] = []
        try:
            for row in rows:
                if row.key is not None and row.key in stopped:
                    continue
                stored = dict(row.headers)
                span = spans.sending(row.topic, row.key, stored, created_at=row.created_at)
                producing.append(span)
                try:
                    if not _TOPIC.fullmatch(row.topic) or row.topic in (".", ".."):
                        raise InvalidTopicName(row.topic)
                    traceparent = spans.traceparent_of(span)  # the consumer's span is a child of this one
                    headers = [(k, v.encode()) for k, v in row.headers if k != "traceparent" or not traceparent]
                    headers += [("traceparent", traceparent.encode())] if traceparent else []
                    key = row.key.encode() if row.key is not None else None
                    sent.append((row, await producer.send(row.topic, row.value, key=key, headers=headers), span))
                except Exception as exc:
                    spans.failed(span, exc)
                    reason = failure_kind(exc)
                    if reason is None:
                        raise
                    refused[row.id] = f"{reason}: {type(exc).__name__}"
                    if row.key is not None:
                        stopped.add(row.key)
            results = await asyncio.gather(*(f for _, f, _ in sent), return_exceptions=True)
            for (_, _, span), result in zip(sent, results, strict=True):
                if isinstance(result, BaseException):
                    spans.failed(span, result)
        finally:
            for span in producing:
                span.end()
        failed = [(row, r) for (row, _, _), r in zip(sent, results, strict=True) if isinstance(r, BaseException)]
        for _, exc in failed:
            if failure_kind(exc) is None:
                raise exc
        for row, exc in failed:  # refused by the broker; rows already sent after it stay sent
            refused[row.id] = f"{failure_kind(exc)}: {type(exc).__name__}"
        return [row.id for (row, _, _), r in zip(sent, results, strict=True) if not isinstance(r, BaseException)], \
            refused

    async def _mark(self, session: AsyncSession, rows: list[Any], published: list[int],
                    refused: dict[int, str]) -> None:
        t = self._outbox
        now = datetime.now(UTC)
        if published:
            await session.execute(t.update().where(t.c.id.in_(published)).values(published_at=now))
        by_id = {row.id: row for row in rows}
        for row_id, reason in refused.items():
            await session.execute(t.update().where(t.c.id == row_id)
                                  .values(quarantined_at=now, quarantine_reason=reason))
            row = by_id[row_id]
            log.warning("outbox_row_quarantined", outbox_id=row_id, topic=row.topic, key=row.key, reason=reason)

    async def held(self) -> Held:
        """How many rows are quarantined and how many rows of their keys they hold back."""
        async with self._sessions() as session:
            return await held(session, self._outbox)

    async def read_backlog(self) -> None:
        """``slrt_outbox_pending``, ``slrt_outbox_oldest_age_seconds`` and ``slrt_outbox_quarantined``."""
        t = self._outbox
        async with self._sessions() as session:
            pending, oldest = (await session.execute(
                sa.select(sa.func.count(), sa.func.min(t.c.created_at))
                .where(_unpublished(t)))).one()
            quarantined = await session.scalar(sa.select(sa.func.count()).where(_quarantined(t)))
        metrics.OUTBOX_PENDING.set(pending)
        metrics.OUTBOX_QUARANTINED.set(quarantined or 0)
        if oldest is None:
            metrics.OUTBOX_OLDEST.set(0)
        else:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            metrics.OUTBOX_OLDEST.set(max(0.0, (datetime.now(UTC) - oldest).total_seconds()))

    async def purge_published(self) -> None:
        t = self._outbox
        async with self._sessions() as session, session.begin():
            await session.execute(t.delete().where(published_before(t, datetime.now(UTC) - self._keep)))

    async def listen(self) -> None:
        """On PostgreSQL, wake when any instance commits outbox rows (``LISTEN``), instead of finding them at
        the next poll; the connection is made again when it drops. Polling stays, for whatever a lost
        notification would have told."""
        engine = self._sessions.kw.get("bind")
        if engine is None or not is_postgres(engine):
            return
        import asyncpg

        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            try:
                await self._listen_once(asyncpg, dsn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox_listen_failed", error=type(exc).__name__, retry_in=self._poll * 4)
            await asyncio.sleep(self._poll * 4)

    async def _listen_once(self, asyncpg: Any, dsn: str) -> None:
        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            closed = asyncio.Event()
            connection.add_termination_listener(lambda _: closed.set())
            await connection.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            self.listening = True
            self._wake.set()  # whatever was committed while no one listened
            while not closed.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(closed.wait(), timeout=30)
                if not closed.is_set():  # a connection that died without a word is found out here
                    await asyncio.wait_for(connection.execute("SELECT 1"), timeout=10)
        finally:
            self.listening = False
            if not connection.is_closed():
                await connection.close()

    async def run(self) -> None:
        listening = asyncio.create_task(self.listen(), name="outbox-listen")
        try:
            await self._publish_loop()
        finally:
            self._file_lock.close()
            listening.cancel()
            with contextlib.suppress(BaseException):
                await listening

    async def _publish_loop(self) -> None:
        backoff = self._poll
        rounds = 0
        while True:
            # a wake taken now: a commit while this batch is read and sent wakes the next round at once
            self._wake.clear()
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
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
            except TimeoutError:
                pass
