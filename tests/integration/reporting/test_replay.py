"""``slrt_reporting.replay``: the read models rebuilt from the durable event log are identical to the live ones,
also while events keep coming; ``since`` rebuilds what happened since then; the swapped-in tables are exactly
what the migrations make; a change of projection rules rebuilds at start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from slrt_contracts.codes import Programme
from slrt_contracts.envelope import KafkaRecord
from slrt_reporting.adapters import tables as t
from slrt_reporting.replay import replay
from slrt_reporting.service_layer.rebuild import PROJECTION_VERSION
from slrt_shared import db

from tests.integration.reporting.stories import T0, Story, reporting, settings_for, stats_when
from tests.integration.reporting.test_projection import full_story
from tests.support.kafka import publish

REGIONS = ("32.01.01.1002", "33.74.01.1001", "94.01.01.1001")


async def snapshot(url: str) -> dict[str, list]:
    """Every read model, row by row (the timeline without its arrival id; non-zero counters)."""
    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            out = {}
            for table in t.LIVE.tables:
                columns = [c for c in table.c if c.name != "id"]
                query = sa.select(*columns).order_by(*columns[:4])
                if table is t.counters:
                    query = query.where(table.c.count != 0)
                out[table.name] = sorted(tuple(r) for r in (await conn.execute(query)).all())
            return out
    finally:
        await engine.dispose()


async def schema_drift(url: str) -> list:
    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), t.metadata))
            return [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("alembic_version"))]
    finally:
        await engine.dispose()


def many_stories(s, n: int, *, start_day: int = 0) -> list[Story]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(n):
        story = Story(s, str(uuid.uuid4()), REGIONS[i % 3], 100 + i + start_day * 100,
                      start=T0 + timedelta(days=start_day, hours=i), needs=(Programme.PKH, Programme.PIP))
        if i % 4 == 0:
            full_story(story)
        else:
            story.registered()
            story.dispatched(f"r-{story.case_id}")
            if i % 2:
                story.answered(f"r-{story.case_id}", "accepted", 1)
        out.append(story)
    return out


async def test_replay_rebuilds_identical_read_models(kafka_broker, topic_prefix, database_url) -> None:
    s = settings_for(kafka_broker, topic_prefix, database_url)
    stories = many_stories(s, 12)
    records = [r for story in stories for r in story.records]
    async with reporting(s) as client:
        await publish(kafka_broker.bootstrap, records)
        await stats_when(client, lambda b: b["total"] == 12 and b["notifications"]["sent"].get("sms") == 3
                         and b["notifications"]["failed"].get("email") == 3 and b["by_status"].get("referred") == 6)
        before = await snapshot(database_url)
        assert before["cases"] and before["counters"] and before["timeline"] and before["referrals"]
        assert await schema_drift(database_url) == []  # the migrations make what the tables module says
        seen: list[tuple[int, int]] = []
        replayed = (await replay(s, progress=lambda done, total: seen.append((done, total)))).events
        assert replayed == len(records) and seen[-1] == (len(records), len(records))
        assert await snapshot(database_url) == before
        assert await schema_drift(database_url) == []  # same columns and index names as the migrations make
        assert (await client.get("/v1/stats")).json()["total"] == 12  # the service reads the swapped-in tables

        since = T0 + timedelta(hours=6)  # cases registered from then on, and what happened to the others since
        assert (await replay(s, since=since)).events == sum(1 for r in records if _time(r) >= since)
        listed = (await client.get("/v1/cases", params={"limit": 500})).json()
        assert listed["total"] == 6 and {c["case_id"] for c in listed["items"]} == {x.case_id for x in stories[6:]}
        assert (await replay(s)).events == len(records)
        assert await snapshot(database_url) == before


def _time(record) -> object:  # type: ignore[no-untyped-def]
    return datetime.fromisoformat(dict(record.headers)["ce_time"].decode())


async def test_replay_while_events_keep_coming(kafka_broker, topic_prefix, database_url) -> None:
    s = settings_for(kafka_broker, topic_prefix, database_url)
    first, second = many_stories(s, 40), many_stories(s, 40, start_day=3)
    async with reporting(s) as client:
        await publish(kafka_broker.bootstrap, [r for story in first for r in story.records])
        await stats_when(client, lambda b: b["total"] == 40)
        more = asyncio.create_task(publish(kafka_broker.bootstrap, [r for story in second for r in story.records]))
        await replay(s)
        await more
        await stats_when(client, lambda b: b["total"] == 80 and b["notifications"]["sent"].get("sms") == 20
                         and b["notifications"]["failed"].get("email") == 20)
        live = await snapshot(database_url)
        await replay(s)
        assert await snapshot(database_url) == live


async def test_new_projection_rules_rebuild_the_read_models_at_start(kafka_broker, topic_prefix,
                                                                     database_url) -> None:
    s = settings_for(kafka_broker, topic_prefix, database_url)
    stories = many_stories(s, 8)
    async with reporting(s) as client:
        await publish(kafka_broker.bootstrap, [r for story in stories for r in story.records])
        await stats_when(client, lambda b: b["total"] == 8 and b["notifications"]["failed"].get("email") == 2)
    before = await snapshot(database_url)
    engine = db.create_engine(database_url)
    async with engine.begin() as conn:  # as if built by older rules: wrong counters, an older version
        await conn.execute(t.counters.delete())
        await conn.execute(t.projection_state.update().values(value="1"))
    async with reporting(s) as client:
        assert (await client.get("/v1/stats")).json()["total"] == 8  # rebuilt before serving
    assert await snapshot(database_url) == before
    async with engine.connect() as conn:
        assert await conn.scalar(sa.select(t.projection_state.c.value)) == PROJECTION_VERSION
    await engine.dispose()


async def _lose_everything(url: str) -> None:
    """As if reporting's database were restored from nothing: no event log, no inbox, empty read models."""
    engine = db.create_engine(url)
    async with engine.begin() as conn:
        for table in (*t.LIVE.tables, t.event_log, t.inbox):
            await conn.execute(table.delete())
    await engine.dispose()


async def test_replay_from_the_broker_restores_a_lost_event_log(kafka_broker, topic_prefix, database_url) -> None:
    s = settings_for(kafka_broker, topic_prefix, database_url)
    stories = many_stories(s, 12)
    records = [r for story in stories for r in story.records]
    async with reporting(s) as client:
        await publish(kafka_broker.bootstrap, records)
        await stats_when(client, lambda b: b["total"] == 12 and b["notifications"]["failed"].get("email") == 3)
    before = await snapshot(database_url)
    garbage = KafkaRecord(topic=s.topics.case_events, key=b"k", value=b"not an event", headers=[])
    await publish(kafka_broker.bootstrap, [garbage])  # dead-lettered when live; left out when taken back

    await _lose_everything(database_url)
    done = await replay(s, from_broker=True)
    assert done.from_broker is not None
    assert (done.from_broker.read, done.from_broker.unreadable) == (len(records) + 1, 1)
    assert done.added_from_broker == len(records) and done.events == len(records)
    assert not done.from_broker.stalled
    assert await snapshot(database_url) == before

    again = await replay(s, from_broker=True)  # what the log has is never taken twice
    assert again.added_from_broker == 0 and again.events == len(records)
    assert await snapshot(database_url) == before

    mark = datetime.now(UTC)
    later = [Story(s, str(uuid.uuid4()), REGIONS[i % 3], 900 + i, start=mark + timedelta(seconds=1)) for i in range(5)]
    for story in later:
        story.registered()
        story.dispatched(f"r-{story.case_id}")
    await publish(kafka_broker.bootstrap, [r for story in later for r in story.records])
    await _lose_everything(database_url)
    since = await replay(s, from_broker=True, since=mark)  # the broker is read from that time on only
    assert since.from_broker is not None and since.from_broker.read == 10 and since.added_from_broker == 10
    async with reporting(s) as client:
        listed = (await client.get("/v1/cases", params={"limit": 500})).json()
    assert listed["total"] == 5 and {c["case_id"] for c in listed["items"]} == {x.case_id for x in later}


async def _slrt_replay(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The console script's ``replay`` command, as an operator runs it."""
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "slrt.cli", "replay", *args], env=env,
                                   capture_output=True, text=True, timeout=120)


async def test_slrt_replay_command(kafka_broker, topic_prefix, database_url) -> None:
    s = settings_for(kafka_broker, topic_prefix, database_url)
    stories = many_stories(s, 4)
    await publish(kafka_broker.bootstrap, [r for story in stories for r in story.records])
    env = {**os.environ, "SLRT_KAFKA_BOOTSTRAP": kafka_broker.bootstrap, "SLRT_TOPIC_PREFIX": topic_prefix,
           "SLRT_REPORTING_DATABASE_URL": database_url}
    taken = await _slrt_replay("--from-broker", env=env)
    assert taken.returncode == 0, taken.stderr
    n = sum(len(story.records) for story in stories)
    assert f"read {n:,} retained events, {n:,} new to the event log" in taken.stdout
    assert f"replayed {n:,} events into fresh read models" in taken.stdout
    assert "broker  [" in taken.stderr and "log     [" in taken.stderr  # the progress bars
    quiet = await _slrt_replay("--quiet", env=env)
    assert quiet.returncode == 0 and f"replayed {n:,} events" in quiet.stdout and quiet.stderr == ""
    async with reporting(s) as client:
        assert (await client.get("/v1/stats")).json()["total"] == 4

    no_broker = await _slrt_replay("--from-broker", env={**env, "SLRT_KAFKA_BOOTSTRAP": ""})
    assert no_broker.returncode == 2 and "needs SLRT_KAFKA_BOOTSTRAP" in no_broker.stderr
    bad = await _slrt_replay("--since", "yesterday", env=env)
    assert bad.returncode == 2 and "expected a date" in bad.stderr
