"""Purging rows that only guard against doing something twice (inbox rows, idempotency keys) once they are
older than their horizon.

A row is deleted only when its time column is older than ``now - keep``: a row being written now is never a
row being purged, so a first delivery and the purge never race for the same row. Deletes go a bounded batch
per transaction (``DELETE ... WHERE key IN (SELECT key ... LIMIT n)``), so no lock is held for long; on
PostgreSQL the batch skips rows another purger has locked (``FOR UPDATE SKIP LOCKED``), on SQLite writers take
turns. A delete is idempotent, so any number of instances may purge at once: each row goes once, and a row
another instance deleted first is simply not there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_shared.db import is_postgres
from slrt_shared.logging import get_logger
from slrt_shared.service import Loop
from slrt_shared.settings import ServiceSettings

log = get_logger(__name__)


@dataclass(frozen=True)
class Horizon:
    """Rows of ``table`` whose ``column`` is older than ``keep`` (and that match ``where``) may go."""

    name: str  # for the log: "inbox", "idempotency_keys.http", ...
    table: sa.Table
    column: sa.Column[Any]
    keep: timedelta
    where: tuple[sa.ColumnElement[bool], ...] = ()


def inbox_horizon(inbox: sa.Table, settings: ServiceSettings) -> list[Horizon]:
    """The inbox's horizon, ``SLRT_DEDUP_RETENTION_HOURS`` (none when that is 0)."""
    keep = settings.dedup_retention
    return [Horizon("inbox", inbox, inbox.c.received_at, keep)] if keep else []


async def purge_batch(session: AsyncSession, table: sa.Table, column: sa.Column[Any], before: datetime,
                      limit: int, where: Sequence[sa.ColumnElement[bool]] = ()) -> int:
    """Delete up to ``limit`` rows whose ``column`` is before ``before``; returns how many went."""
    key_columns = list(table.primary_key.columns)
    chosen = sa.select(*key_columns).where(column < before, *where).limit(limit)
    if is_postgres(session):
        chosen = chosen.with_for_update(skip_locked=True)
    key = key_columns[0] if len(key_columns) == 1 else sa.tuple_(*key_columns)
    result: Any = await session.execute(table.delete().where(key.in_(chosen)))
    return int(result.rowcount or 0)


async def purge_older_than(*, sessions: async_sessionmaker[AsyncSession], table: sa.Table, column: sa.Column[Any],
                           before: datetime, batch: int = 1000, where: Sequence[sa.ColumnElement[bool]] = (),
                           pause_seconds: float = 0.01) -> int:
    """Delete every row whose ``column`` is before ``before``, ``batch`` rows per transaction, pausing between
    batches so other writers get their turn (SQLite has one writer at a time); returns how many went. A batch
    that comes back short ends the purge: what is left (rows another purger holds) is that purger's."""
    total = 0
    while True:
        async with sessions() as session, session.begin():
            n = await purge_batch(session, table, column, before, batch, where)
        total += n
        if n < batch:
            return total
        await asyncio.sleep(pause_seconds)


async def purge_once(*, sessions: async_sessionmaker[AsyncSession], horizons: Sequence[Horizon], batch: int,
                     now: datetime | None = None) -> dict[str, int]:
    """Purge each horizon once; how many rows went, by horizon name."""
    now = now or datetime.now(UTC)
    purged = {}
    for h in horizons:
        before = now - h.keep
        purged[h.name] = n = await purge_older_than(sessions=sessions, table=h.table, column=h.column,
                                                    before=before, batch=batch, where=h.where)
        if n:
            log.info("purged", what=h.name, rows=n, before=before.isoformat())
    return purged


async def run_purge(*, sessions: async_sessionmaker[AsyncSession], horizons: Sequence[Horizon], batch: int,
                    every_seconds: float) -> None:
    """Purge now and then every ``every_seconds``; a failed purge (the database away) is tried at the next."""
    while True:
        try:
            await purge_once(sessions=sessions, horizons=horizons, batch=batch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("purge_failed", error=type(exc).__name__)
        await asyncio.sleep(every_seconds)


def purge_loops(settings: ServiceSettings, sessions: async_sessionmaker[AsyncSession],
                horizons: Sequence[Horizon]) -> list[Loop]:
    """The service's purge loop (none when it has nothing to purge), for ``service_app(loops=...)``."""
    if not horizons:
        return []
    return [Loop("purge", needs_producer=False, run=lambda: run_purge(
        sessions=sessions, horizons=horizons, batch=settings.purge_batch, every_seconds=settings.purge_sweep_seconds))]
