"""The purge of rows past their horizon (``slrt_shared.purge``) on SQLite and PostgreSQL: old rows go in bounded
batches and young ones stay; purgers running at once delete each row once, without errors; first deliveries
running during a purge are never lost; an event redelivered within the horizon is still a duplicate after a
purge."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from slrt_contracts.case_events import CaseResolved
from slrt_contracts.codes import Level
from slrt_contracts.envelope import CloudEvent
from slrt_shared import db
from slrt_shared.inbox import define_inbox, first_deliveries, first_delivery
from slrt_shared.purge import Horizon, inbox_horizon, purge_batch, purge_older_than, purge_once
from slrt_shared.settings import ServiceSettings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

INBOX = define_inbox(sa.MetaData())
NOW = datetime.now(UTC)
HORIZON = timedelta(days=14)
OLD = NOW - HORIZON - timedelta(hours=1)
YOUNG = NOW - HORIZON + timedelta(hours=1)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(INBOX.metadata.create_all)
    yield engine
    await engine.dispose()


def event(n: int) -> CloudEvent:
    return CloudEvent(id=f"evt-{n}", source="/slrt/routing", type=CaseResolved.ce_type, time=NOW, key=f"case-{n}",
                      data=CaseResolved(case_id=f"case-{n}", level=Level.DESA, at=NOW).model_dump(mode="json"))


async def insert(engine: AsyncEngine, first: int, count: int, received_at: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(INBOX.insert(), [
            {"consumer": f"consumer-{n % 2}", "source": "/slrt/routing", "event_id": f"evt-{n}",
             "received_at": received_at} for n in range(first, first + count)])


async def ids(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set((await conn.execute(sa.select(INBOX.c.event_id))).scalars())


class CountingSessions:
    """A session factory that counts the sessions (one transaction each) the purge opens."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions, self.opened = sessions, 0

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        self.opened += 1
        async with self.sessions() as session:
            yield session


async def test_rows_older_than_the_horizon_go_in_batches_and_younger_ones_stay(engine: AsyncEngine) -> None:
    await insert(engine, 0, 25, OLD)
    await insert(engine, 100, 5, YOUNG)
    async with db.session_factory(engine)() as session, session.begin():
        assert await purge_batch(session, INBOX, INBOX.c.received_at, NOW - HORIZON, 7) == 7  # one batch: bounded
    sessions = CountingSessions(db.session_factory(engine))
    purged = await purge_older_than(sessions=sessions, table=INBOX, column=INBOX.c.received_at,  # type: ignore[arg-type]
                                    before=NOW - HORIZON, batch=6)
    assert purged == 18
    assert sessions.opened == 4  # 6 + 6 + 6 + 0: a transaction per batch
    assert await ids(engine) == {f"evt-{n}" for n in range(100, 105)}
    assert await purge_once(sessions=db.session_factory(engine), batch=6, now=NOW,
                            horizons=[Horizon("inbox", INBOX, INBOX.c.received_at, HORIZON)]) == {"inbox": 0}


async def test_a_condition_limits_what_goes(engine: AsyncEngine) -> None:
    await insert(engine, 0, 10, OLD)
    only_one = Horizon("consumer-1", INBOX, INBOX.c.received_at, HORIZON, (INBOX.c.consumer == "consumer-1",))
    assert await purge_once(sessions=db.session_factory(engine), horizons=[only_one], batch=3, now=NOW) == {
        "consumer-1": 5}
    assert await ids(engine) == {f"evt-{n}" for n in range(0, 10, 2)}


async def test_purgers_at_once_delete_each_row_once_without_errors(database_url: str, engine: AsyncEngine) -> None:
    """Several instances purge at once, each on its own connections: every old row goes exactly once (the counts
    add up to the rows there were), none fails, the young rows stay."""
    await insert(engine, 0, 1200, OLD)
    await insert(engine, 5000, 20, YOUNG)
    engines = [db.create_engine(database_url) for _ in range(3)]
    try:
        counts = await asyncio.gather(*(
            purge_older_than(sessions=db.session_factory(e), table=INBOX, column=INBOX.c.received_at,
                             before=NOW - HORIZON, batch=50, pause_seconds=0) for e in engines))
    finally:
        for e in engines:
            await e.dispose()
    assert sum(counts) == 1200, counts
    assert await ids(engine) == {f"evt-{n}" for n in range(5000, 5020)}


async def test_first_deliveries_during_a_purge_are_kept(database_url: str, engine: AsyncEngine) -> None:
    """A row being written is never a row being purged: events taken while old rows are purged all stay
    recorded, and each is a duplicate afterwards."""
    await insert(engine, 0, 800, OLD)
    sessions = db.session_factory(engine)
    other = db.create_engine(database_url)
    events = [event(n) for n in range(1000, 1060)]

    async def deliver(e: CloudEvent) -> bool:
        async with sessions() as session, session.begin():
            return await first_delivery(session, INBOX, "consumer-0", e)

    try:
        purge = asyncio.create_task(purge_older_than(sessions=db.session_factory(other), table=INBOX,
                                                     column=INBOX.c.received_at, before=datetime.now(UTC) - HORIZON,
                                                     batch=40, pause_seconds=0))
        taken = [await deliver(e) for e in events]
        assert await purge == 800
    finally:
        await other.dispose()
    assert all(taken)
    assert await ids(engine) == {e.id for e in events}
    assert not any([await deliver(e) for e in events])


async def test_a_redelivery_within_the_horizon_is_still_a_duplicate_after_a_purge(engine: AsyncEngine) -> None:
    sessions = db.session_factory(engine)
    recent, stale, new = event(1), event(2), event(3)
    async with sessions() as session, session.begin():
        assert await first_delivery(session, INBOX, "consumer-0", recent)
        await session.execute(INBOX.insert().values(consumer="consumer-0", source=stale.source, event_id=stale.id,
                                                    received_at=OLD))
    settings = ServiceSettings(dedup_retention_hours=14 * 24)
    assert await purge_once(sessions=sessions, horizons=inbox_horizon(INBOX, settings), batch=10) == {"inbox": 1}
    async with sessions() as session, session.begin():
        assert not await first_delivery(session, INBOX, "consumer-0", recent)
        assert await first_deliveries(session, INBOX, "consumer-0", [recent, new, recent]) == [new]
        # past the horizon the inbox no longer knows it: why the horizon must outlast the broker's retention
        assert await first_delivery(session, INBOX, "consumer-0", stale)


def test_the_horizon_outlasts_the_topics_retention_or_the_service_does_not_start() -> None:
    assert ServiceSettings().dedup_retention == timedelta(days=14)
    assert ServiceSettings(personal_data_retention_hours=400, dedup_retention_hours=800).dedup_retention_hours == 800
    with pytest.raises(ValidationError, match="SLRT_DEDUP_RETENTION_HOURS"):
        ServiceSettings(personal_data_retention_hours=168, dedup_retention_hours=168)
    with pytest.raises(ValidationError, match="SLRT_PERSONAL_DATA_RETENTION_HOURS"):
        ServiceSettings(personal_data_retention_hours=400)
    never = ServiceSettings(dedup_retention_hours=0)
    assert never.dedup_retention is None and inbox_horizon(INBOX, never) == []
