"""Reporting purges its inbox like every service, but its durable event log keeps each event's key for good: an
event the broker delivers again after its inbox row was purged (a backfill from a topic retained longer than
``SLRT_DEDUP_RETENTION_HOURS``) is neither logged nor projected twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from slrt_contracts import case_events as ce
from slrt_contracts.codes import Channel, DtsenStatus, Level
from slrt_contracts.envelope import CloudEvent
from slrt_reporting.adapters import tables as t
from slrt_reporting.app import MIGRATIONS
from slrt_reporting.entrypoints.events import CONSUMER
from slrt_reporting.service_layer.projector import take
from slrt_shared import db
from slrt_shared.purge import Horizon, purge_once
from sqlalchemy.ext.asyncio import AsyncEngine

NOW = datetime.now(UTC)


def registered() -> CloudEvent:
    case_id = str(uuid.uuid4())
    data = ce.CaseRegistered(case_id=case_id, case_number="3201-2026-000001", region_code="32.01.01.1002",
                             level=Level.DESA, channel=Channel.PUSKESOS, ppks=[24], needs=["PKH"],
                             household=ce.HouseholdInfo(dtsen_status=DtsenStatus.REGISTERED), citizen_ref="cit_test",
                             registered_at=NOW)
    return CloudEvent(id=str(uuid.uuid4()), source="/tests", type=ce.CaseRegistered.ce_type, time=NOW, key=case_id,
                      data=data.model_dump(mode="json"))


async def rows(engine: AsyncEngine) -> dict[str, list[tuple]]:
    async with engine.connect() as conn:
        return {table.name: sorted(tuple(r) for r in (await conn.execute(sa.select(table))).all())
                for table in (t.event_log, t.cases, t.counters, t.inbox)}


async def test_an_event_delivered_again_after_its_inbox_row_was_purged_is_not_taken_twice(database_url: str) -> None:
    engine = db.create_engine(database_url)
    sessions = db.session_factory(engine)
    try:
        await db.upgrade(engine, MIGRATIONS, version_table="alembic_version_reporting")
        event = registered()
        async with sessions() as session, session.begin():
            assert [e.id for e in await take(session, CONSUMER, [event])] == [event.id]
        before = await rows(engine)
        assert len(before["event_log"]) == 1 and len(before["cases"]) == 1 and before["inbox"]

        everything = Horizon("inbox", t.inbox, t.inbox.c.received_at, timedelta(0))
        assert await purge_once(sessions=sessions, horizons=[everything], batch=10,
                                now=datetime.now(UTC) + timedelta(seconds=1)) == {"inbox": 1}
        another = registered()
        async with sessions() as session, session.begin():
            assert [e.id for e in await take(session, CONSUMER, [event, another], strict=False)] == [another.id]
        async with sessions() as session, session.begin():  # the second one, again: the inbox knows it
            assert await take(session, CONSUMER, [another]) == []
        after = await rows(engine)
        assert len(after["event_log"]) == 2 and len(after["cases"]) == 2
        assert [r for r in after["cases"] if r[0] == event.key] == [r for r in before["cases"] if r[0] == event.key]
    finally:
        await engine.dispose()
