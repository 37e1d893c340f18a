"""Intake forgets idempotency keys after their horizon (``service_layer.key_retention``, its purge loop): an
HTTP key older than ``SLRT_IDEMPOTENCY_RETENTION_HOURS`` is gone and a retry with it is a new request (linked to
the citizen's open case, or a new case once that one is closed); a younger key still answers its stored
response; keys of Kafka commands follow the longer ``SLRT_DEDUP_RETENTION_HOURS``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from slrt_intake.adapters import tables as t
from slrt_intake.app import MIGRATIONS, build_app
from slrt_intake.service_layer.key_retention import COMMAND_SCOPE, HTTP_SCOPE, purge_horizons
from slrt_intake.settings import IntakeSettings
from slrt_shared import db
from slrt_shared.purge import purge_once
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.intake.conftest import intake_settings
from tests.integration.intake.test_registration import count_cases
from tests.support import eventually
from tests.support.apps import running
from tests.support.ports import closed_address
from tests.unit.shared.registration_rules import VALID, with_value

OTHER_CITIZEN = with_value(VALID, ("citizen", "nik"), "3201011508950002")


@pytest.fixture
def settings(database_url: str, topic_prefix: str) -> IntakeSettings:
    return intake_settings(database_url, closed_address(), topic_prefix, purge_sweep_seconds=0.1)


@pytest.fixture
async def intake(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(build_app(settings)) as client:
        yield client


@pytest.fixture
async def engine(settings: IntakeSettings) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(settings.database_url)
    yield engine
    await engine.dispose()


async def age(engine: AsyncEngine, key: str, by: timedelta) -> None:
    async with engine.begin() as conn:
        await conn.execute(t.idempotency.update().where(t.idempotency.c.key == key)
                           .values(created_at=datetime.now(UTC) - by))


async def keys(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set((await conn.execute(sa.select(t.idempotency.c.key))).scalars())


async def test_an_expired_key_is_purged_and_its_retry_is_a_new_request(
    intake: httpx.AsyncClient, settings: IntakeSettings, engine: AsyncEngine
) -> None:
    old, young = {"Idempotency-Key": "agency-7-old"}, {"Idempotency-Key": "agency-7-young"}
    first = await intake.post("/v1/cases", json=VALID, headers=old)
    other = await intake.post("/v1/cases", json=OTHER_CITIZEN, headers=young)
    assert (first.status_code, other.status_code) == (201, 201)
    await age(engine, "agency-7-old", timedelta(hours=settings.idempotency_retention_hours, minutes=1))
    await age(engine, "agency-7-young", timedelta(hours=settings.idempotency_retention_hours, minutes=-5))

    async def old_key_purged() -> bool:
        return await keys(engine) == {"agency-7-young"}

    await eventually(old_key_purged)  # by the service's own purge loop
    again = await intake.post("/v1/cases", json=OTHER_CITIZEN, headers=young)
    assert (again.status_code, again.json()) == (201, other.json())  # still the stored response
    retry = await intake.post("/v1/cases", json=VALID, headers=old)
    assert retry.status_code == 200  # a new request: the citizen's open case with these needs, no second case
    assert retry.json()["linked"] is True and retry.json()["case_id"] == first.json()["case_id"]
    assert await count_cases(settings) == 2

    async with engine.begin() as conn:  # the first case was closed meanwhile
        await conn.execute(t.cases.update().where(t.cases.c.case_id == first.json()["case_id"])
                           .values(status="closed"))
    await age(engine, "agency-7-old", timedelta(hours=settings.idempotency_retention_hours, minutes=1))
    await eventually(old_key_purged)
    late = await intake.post("/v1/cases", json=VALID, headers=old)
    assert late.status_code == 201 and late.json()["case_id"] != first.json()["case_id"]
    assert await count_cases(settings) == 3


async def test_command_keys_are_kept_as_long_as_the_inbox(database_url: str, topic_prefix: str) -> None:
    """A command's key guards against the broker delivering it again, so it lives as long as the inbox rows."""
    settings = intake_settings(database_url, closed_address(), topic_prefix, idempotency_retention_hours=24,
                               dedup_retention_hours=240)
    engine = db.create_engine(settings.database_url)
    now = datetime.now(UTC)
    try:
        await db.upgrade(engine, MIGRATIONS, version_table="alembic_version_intake")
        async with engine.begin() as conn:
            await conn.execute(t.idempotency.insert(), [
                {"scope": scope, "key": key, "body_hash": "h", "status_code": 201, "response": {},
                 "created_at": now - timedelta(hours=hours)}
                for scope, key, hours in [(HTTP_SCOPE, "http-2d", 48), (HTTP_SCOPE, "http-1h", 1),
                                          (COMMAND_SCOPE, "cmd-2d", 48), (COMMAND_SCOPE, "cmd-11d", 264)]])
            await conn.execute(t.inbox.insert(), [
                {"consumer": "c", "source": "/s", "event_id": f"e-{hours}", "received_at": now - timedelta(hours=hours)}
                for hours in (48, 264)])
        purged = await purge_once(sessions=db.session_factory(engine), horizons=purge_horizons(settings), batch=10)
        assert purged == {"inbox": 1, "idempotency_keys.command": 1, "idempotency_keys.http": 1}
        assert await keys(engine) == {"http-1h", "cmd-2d"}
    finally:
        await engine.dispose()
