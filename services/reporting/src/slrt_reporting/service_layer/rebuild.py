"""Rebuild the read models from the durable event log, into fresh tables swapped in when complete.

The live projection carries on while the fresh tables catch up with the log, batch by batch. Then, in one
transaction that holds the event log still, the tail is projected and the fresh tables are swapped in. Nothing
the live projection logged is missed: on PostgreSQL an id below the last one read may still be committed by a
slower transaction, so such gaps are read again once the log is held.

Because the projection merges events the same in any order, the rebuilt read models equal the live ones.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts.envelope import CloudEvent
from slrt_shared.db import is_postgres, session_factory, upsert, utc
from slrt_shared.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from slrt_reporting.adapters import tables as t
from slrt_reporting.adapters.swap import FreshTables, create_fresh, discard, hold_event_log, swap_in
from slrt_reporting.service_layer.projector import project

#: Bump when the projection's rules change what the read models hold: the service then rebuilds them at start.
PROJECTION_VERSION = "3"
BATCH = 2000
GAP_CHUNK = 1000
Progress = Callable[[int, int], None]
log = get_logger(__name__)


def _event(row: Any) -> CloudEvent:
    return CloudEvent(id=row.event_id, source=row.source, type=row.type, time=utc(row.time), data=row.data,
                      key=row.key)


class LogReader:
    """Reads the event log in id order, remembering ids skipped over (still in flight on PostgreSQL)."""

    def __init__(self, since: datetime | None) -> None:
        self.since = utc(since)
        self.position = 0
        self.gaps: set[int] = set()
        self.read = 0

    def _keep(self, rows: list[Any]) -> list[CloudEvent]:
        self.read += len(rows)
        return [_event(r) for r in rows if self.since is None or utc(r.time) >= self.since]

    async def next_batch(self, session: AsyncSession) -> tuple[list[CloudEvent], int]:
        rows = (await session.execute(sa.select(t.event_log).where(t.event_log.c.id > self.position)
                                      .order_by(t.event_log.c.id).limit(BATCH))).all()
        if rows:
            ids = {r.id for r in rows}
            self.gaps |= set(range(self.position + 1, rows[-1].id)) - ids
            self.position = rows[-1].id
        return self._keep(rows), len(rows)

    async def late_arrivals(self, session: AsyncSession) -> list[CloudEvent]:
        """Rows in the gaps that have been committed since (call with the log held)."""
        found: list[Any] = []
        gaps = sorted(self.gaps)
        for start in range(0, len(gaps), GAP_CHUNK):
            chunk = gaps[start:start + GAP_CHUNK]
            found += (await session.execute(sa.select(t.event_log).where(t.event_log.c.id.in_(chunk))
                                            .order_by(t.event_log.c.id))).all()
        self.gaps.clear()
        return self._keep(found)


async def _count(session: AsyncSession, since: datetime | None) -> int:
    query = sa.select(sa.func.count()).select_from(t.event_log)
    if since is not None:
        query = query.where(t.event_log.c.time >= utc(since))
    return int(await session.scalar(query) or 0)


async def record_version(session: AsyncSession) -> None:
    insert = upsert(session, t.projection_state).values(name="projection_version", value=PROJECTION_VERSION,
                                                        updated_at=datetime.now(UTC))
    await session.execute(insert.on_conflict_do_update(index_elements=["name"], set_={
        "value": insert.excluded.value, "updated_at": insert.excluded.updated_at}))


async def rebuild(engine: AsyncEngine, *, since: datetime | None = None, progress: Progress | None = None) -> int:
    """Rebuild every read model from the event log (only events at or after ``since`` when given: the read
    models then describe what happened since then). Returns how many events were replayed."""
    sessions = session_factory(engine)
    fresh: FreshTables = await create_fresh(engine, uuid.uuid4().hex[:10])
    reader = LogReader(since)
    replayed = 0
    try:
        async with sessions() as session:
            total = await _count(session, since)
        while True:  # catch up beside the live projection, one transaction per batch
            async with sessions() as session, session.begin():
                events, n = await reader.next_batch(session)
                await project(session, events, fresh.model, strict=False)
            replayed += len(events)
            if progress:
                progress(replayed, max(total, replayed))
            if n < BATCH:
                break
        async with sessions() as session, session.begin():  # the tail and the swap, atomically
            await hold_event_log(session)
            tail = await reader.late_arrivals(session)
            while True:
                events, n = await reader.next_batch(session)
                tail += events
                if n < BATCH:
                    break
            await project(session, tail, fresh.model, strict=False)
            await swap_in(session, fresh)
            await record_version(session)
        replayed += len(tail)
        if progress:
            progress(replayed, replayed)
        return replayed
    except BaseException:
        await discard(engine, fresh)
        raise


async def ensure_current(engine: AsyncEngine) -> int | None:
    """At start: rebuild the read models when the projection rules changed since they were built (a newer
    ``PROJECTION_VERSION``). Returns how many events were replayed, or ``None`` when nothing was to do."""
    async with engine.connect() as conn:
        if is_postgres(conn):  # instances starting together: one rebuilds, the others find it done
            key = int.from_bytes(hashlib.sha256(b"slrt-reporting-rebuild").digest()[:8], "big", signed=True)
            await conn.execute(sa.text(f"SELECT pg_advisory_lock({key})"))
        try:
            version = await conn.scalar(sa.select(t.projection_state.c.value)
                                        .where(t.projection_state.c.name == "projection_version"))
            await conn.commit()
            if version == PROJECTION_VERSION:
                return None
            logged = int(await conn.scalar(sa.select(sa.func.count()).select_from(t.event_log)) or 0)
            await conn.commit()
            if logged == 0:
                async with session_factory(engine)() as session, session.begin():
                    await record_version(session)
                return None
            log.info("rebuilding_read_models", reason="projection rules changed", events=logged,
                     version=PROJECTION_VERSION, previous=version)
            return await rebuild(engine, progress=_log_progress)
        finally:
            if is_postgres(conn):
                await conn.execute(sa.text(f"SELECT pg_advisory_unlock({key})"))
                await conn.commit()


def _log_progress(done: int, total: int) -> None:
    if done == total or done % (BATCH * 25) == 0:
        log.info("rebuild_progress", done=done, total=total)
