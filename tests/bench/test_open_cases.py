"""``slrt bench pipeline --open-cases``: the open cases loaded straight into the four services' databases leave
each service the rows a registered, referred, still open case leaves there, and nothing for the services to do
(no message to send, no timer due), on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slrt.bench import open_cases
from slrt.scratch import PostgresServer
from slrt_shared import db
from slrt_shared.db import utc
from slrt_shared.pseudonyms import pseudonyms

from tests.support.databases import migrate, rows

TABLES = {
    "intake": ("cases", "audit_log", "referral_owners"),
    "routing": ("cases", "referrals", "timers"),
    "notification": ("contacts", "cases", "notifications"),
    "reporting": ("cases", "referrals", "timeline", "event_log"),
}
AVOID = ("32.01",)


async def _migrate(urls: dict[str, str]) -> None:
    for service, url in urls.items():
        engine = db.create_engine(url)
        try:
            await migrate(service, engine)
        finally:
            await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def databases(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """A fresh database for each service, migrated as the service migrates it at start."""
    async with contextlib.AsyncExitStack() as stack:
        if request.param == "sqlite":
            urls = {s: f"sqlite+aiosqlite:///{tmp_path / f'{s}.db'}" for s in open_cases.SERVICES}
        else:
            server: PostgresServer = request.getfixturevalue("postgres")
            urls = {s: await stack.enter_async_context(server.database()) for s in open_cases.SERVICES}
        await _migrate(urls)
        yield urls


async def _counts(urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for service, tables in TABLES.items():
        for table in tables:
            counts[f"{service}.{table}"] = (await rows(urls[service], f"SELECT count(*) FROM {table}"))[0][0]  # noqa: S608
    return counts


async def test_open_cases_leave_each_service_the_rows_of_a_referred_open_case(databases: dict[str, str]) -> None:
    keys = pseudonyms(key=secrets.token_urlsafe(32), key_id="1")
    before = await _counts(databases)
    now = datetime.now(UTC)
    first = await open_cases.load(databases, 1_500, pseudonyms=keys, avoid=AVOID, now=now)
    second = await open_cases.load(databases, 500, pseudonyms=keys, avoid=AVOID, now=now)  # numbers run on
    after = await _counts(databases)
    grown = {table: after[table] - before[table] for table in after}

    assert first.cases + second.cases == 2_000 and first.seconds > 0
    assert grown == first.rows + second.rows  # what the load says it added is what the tables gained
    for table in ("intake.cases", "intake.audit_log", "routing.cases", "routing.timers", "notification.contacts",
                  "notification.cases", "reporting.cases"):
        assert grown[table] == 2_000, table
    # one referral per need, the same ones in every service; each event of a case logged and projected once
    assert grown["routing.referrals"] == grown["intake.referral_owners"] == grown["reporting.referrals"] > 2_000
    assert grown["reporting.event_log"] == grown["reporting.timeline"] > grown["reporting.referrals"] + 2_000
    assert grown["notification.notifications"] > 2 * grown["routing.referrals"]

    intake, routing, notification, reporting = (databases[s] for s in open_cases.SERVICES)
    assert await rows(intake, "SELECT status, count(DISTINCT case_number), count(DISTINCT nik) FROM cases "
                               "GROUP BY status") == [("referred", 2_000, 2_000)]
    assert await rows(intake, "SELECT count(*) FROM cases WHERE kabupaten_code IN ('32.01')") == [(0,)]
    assert await rows(intake, "SELECT sum(last) FROM case_counters") == [(2_000,)]  # a new case numbers after them
    assert await rows(intake, "SELECT count(*) FROM cases WHERE phone LIKE '0899%' OR phone IS NULL") == [(2_000,)]
    due = await rows(routing, "SELECT min(due_at) FROM timers")
    assert utc(_time(due[0][0])) > now + timedelta(days=2)  # the sweep fires none of them during a run
    assert await rows(routing, "SELECT DISTINCT status FROM referrals") == [("dispatched",)]
    statuses = dict(await rows(notification, "SELECT status, count(*) FROM notifications GROUP BY status"))
    assert set(statuses) <= {"sent", "skipped"} and statuses["sent"] > 0  # nothing left for delivery to send
    assert await rows(reporting, "SELECT dimension, value, count FROM counters WHERE region = 'nasional' AND "
                                  "dimension IN ('total', 'status') ORDER BY dimension") == [
        ("status", "referred", 2_000), ("total", "", 2_000)]


def _time(value: object) -> datetime:
    """SQLite hands a timestamp back as text."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
