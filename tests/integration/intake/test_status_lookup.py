"""``POST /v1/status``, the citizens' status look-up without a token, on SQLite and PostgreSQL: the right pair
answers the status and next step and nothing personal; a wrong pair, a case without a phone and an erased case
answer byte for byte as an unknown case number; misses lock a case number (the right pair too, an unknown number
alike), in every instance; each client address has a budget; bad fields are 422s naming them; the log lines are
coded, without case numbers or digits."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from slrt_intake.adapters import tables as t
from slrt_intake.app import build_app
from slrt_intake.service_layer import status_check
from slrt_intake.settings import IntakeSettings
from slrt_shared import db
from slrt_shared.logging import configure_logging
from slrt_shared.purge import purge_once

from tests.integration.intake.conftest import intake_settings
from tests.support import eventually
from tests.support.apps import running
from tests.support.ports import closed_address
from tests.support.tokens import admin
from tests.unit.shared.registration_rules import DROP, VALID, with_value

RIGHT, WRONG = "7890", "1357"  # VALID's phone is 081234567890
UNKNOWN = "3201-2026-999999"
KEYS = {"case_number", "status", "level", "next_step", "updated_at"}
PERSONAL = ("3201015508950001", "3201010101200001", "Siti Aminah", "081234567890", "6281234567890", "siti@example",
            "Jl. Melati", "Belum menerima", "32.01.01.1002", "Karadenan", "Cibinong", "dinsos")


def settings_for(database_url: str, topic_prefix: str, **extra: Any) -> IntakeSettings:
    return intake_settings(database_url, closed_address(), topic_prefix,
                           **{"status_rate_per_minute": 1000, "status_misses_before_lock": 3, **extra})


@asynccontextmanager
async def public_intake(settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    """Intake, and a client that sends no token (registrations pass ``admin()`` themselves)."""
    async with running(build_app(settings), headers={}) as client:
        yield client


async def register(client: httpx.AsyncClient, body: dict[str, Any] = VALID) -> dict[str, Any]:
    registered = await client.post("/v1/cases", json=body, headers=admin())
    assert registered.status_code == 201, registered.text
    return registered.json()  # type: ignore[no-any-return]


async def ask(client: httpx.AsyncClient, case_number: str, last4: str, **headers: str) -> httpx.Response:
    return await client.post("/v1/status", json={"case_number": case_number, "phone_last4": last4},
                             headers=headers)


async def misses_of(settings: IntakeSettings) -> dict[str, int]:
    engine = db.create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(t.status_lookup_misses.c.case_number, t.status_lookup_misses.c.misses))
            return {row.case_number: row.misses for row in rows}
    finally:
        await engine.dispose()


async def test_the_right_pair_answers_the_status_and_next_step_and_nothing_personal(
    database_url: str, topic_prefix: str
) -> None:
    settings = settings_for(database_url, topic_prefix)
    async with public_intake(settings) as client:
        case = await register(client)
        answer = await ask(client, case["case_number"], RIGHT)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert set(body) == KEYS and set(body["next_step"]) == {"code", "id", "en"}
        assert (body["case_number"], body["status"], body["level"]) == (case["case_number"], "registered", "desa")
        assert body["next_step"]["code"] == "awaiting_referral"
        assert "dirujuk" in body["next_step"]["id"] and "referred" in body["next_step"]["en"]
        assert datetime.fromisoformat(body["updated_at"]).tzinfo is not None
        assert not [p for p in PERSONAL if p in answer.text]
        assert answer.headers["cache-control"] == "no-store"
        # the dashes may be left out; a token, valid or not, changes nothing
        for again in (await ask(client, case["case_number"].replace("-", ""), RIGHT),
                      await ask(client, case["case_number"], RIGHT, **admin()),
                      await ask(client, case["case_number"], RIGHT, authorization="Bearer forged")):
            assert (again.status_code, again.json()) == (200, body)

        # escalated by routing: intake's copy of the case says so, and so does the next step
        changed = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
        engine = db.create_engine(settings.database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(t.cases.update().where(t.cases.c.case_id == case["case_id"]).values(
                    status="in_progress", level="kecamatan", status_changed_at=changed))
        finally:
            await engine.dispose()
        escalated = (await ask(client, case["case_number"], RIGHT)).json()
        assert (escalated["status"], escalated["level"], escalated["next_step"]["code"]) == (
            "in_progress", "kecamatan", "escalated_to_kecamatan")
        assert datetime.fromisoformat(escalated["updated_at"]) == changed
    assert await misses_of(settings) == {}  # a right pair is no miss


async def test_a_wrong_pair_answers_exactly_as_an_unknown_case_number(database_url: str, topic_prefix: str) -> None:
    settings = settings_for(database_url, topic_prefix)
    async with public_intake(settings) as client:
        case = await register(client)
        no_phone = await register(client, with_value(with_value(VALID, ("citizen", "phone"), DROP),
                                                     ("citizen", "nik"), "3201011508950002"))
        for language in ("id", "en"):
            unknown = await ask(client, UNKNOWN, RIGHT, **{"accept-language": language})
            wrong = await ask(client, case["case_number"], WRONG, **{"accept-language": language})
            phoneless = await ask(client, no_phone["case_number"], RIGHT, **{"accept-language": language})
            assert unknown.status_code == 404
            assert (wrong.status_code, wrong.content) == (phoneless.status_code, phoneless.content) == \
                (unknown.status_code, unknown.content)
            assert "retry-after" not in wrong.headers
        assert unknown.json() == {"detail": [{"loc": ["body"], "type": "not_found",
                                              "msg": "no case has this case number and these phone digits"}]}
    # the same work either way: each was counted as a miss of its number
    assert await misses_of(settings) == {UNKNOWN: 2, case["case_number"]: 2, no_phone["case_number"]: 2}


async def test_an_erased_case_never_matches(database_url: str, topic_prefix: str) -> None:
    async with public_intake(settings_for(database_url, topic_prefix)) as client:
        case = await register(client)
        assert (await ask(client, case["case_number"], RIGHT)).status_code == 200
        erased = await client.delete(f"/v1/cases/{case['case_id']}/personal-data", headers=admin())
        assert erased.status_code == 200
        after = await ask(client, case["case_number"], RIGHT)
        unknown = await ask(client, UNKNOWN, RIGHT)
        assert (after.status_code, after.content) == (unknown.status_code, unknown.content) == (404, unknown.content)


async def test_misses_lock_the_number_for_the_right_pair_too_and_an_unknown_number_alike(
    database_url: str, topic_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(service="intake", fmt="json", level="DEBUG")
    try:
        async with public_intake(settings_for(database_url, topic_prefix, status_lock_seconds=3600)) as client:
            case, other = await register(client), await register(client, with_value(
                VALID, ("citizen", "nik"), "3201011508950002"))
            capsys.readouterr()  # the registrations' lines (case_registered names its number, for the officers)
            for number in (case["case_number"], UNKNOWN):
                assert [(await ask(client, number, WRONG)).status_code for _ in range(3)] == [404, 404, 404]
            right = await ask(client, case["case_number"], RIGHT)
            unknown = await ask(client, UNKNOWN, RIGHT)
            assert right.status_code == 429 and 3500 <= int(right.headers["retry-after"]) <= 3600
            assert right.json()["detail"][0]["type"] == "too_many_attempts"
            assert right.json()["detail"][0]["loc"] == ["body", "case_number"]
            assert (right.status_code, right.content) == (unknown.status_code, unknown.content)
            assert (await ask(client, other["case_number"], RIGHT)).status_code == 200  # another number is free
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    logged = capsys.readouterr()
    lines = [json.loads(line) for line in (logged.out + logged.err).splitlines() if line.startswith("{")]
    ours = [line for line in lines if str(line.get("event", "")).startswith("status_lookup")]
    assert {line["event"] for line in ours} == {"status_lookup_missed", "status_lookup_locked",
                                                "status_lookup_refused"}
    coded = {"event", "level", "logger", "timestamp", "service", "trace_id", "span_id", "request_id", "reason",
             "lock_seconds"}
    assert [line for line in ours if set(line) - coded] == []
    text = logged.out + logged.err
    for number in (case["case_number"], UNKNOWN):
        assert number not in text and number.replace("-", "") not in text


async def test_a_lock_ends_after_its_time(database_url: str, topic_prefix: str) -> None:
    async with public_intake(settings_for(database_url, topic_prefix, status_lock_seconds=3)) as client:
        case = await register(client)
        for _ in range(3):
            await ask(client, case["case_number"], WRONG)
        assert (await ask(client, case["case_number"], RIGHT)).status_code == 429

        async def answered() -> bool:  # a refusal while locked is no miss: asking again does not lengthen it
            return (await ask(client, case["case_number"], RIGHT)).status_code == 200

        await eventually(answered, timeout=30, interval=0.5)


async def test_the_lock_holds_across_instances(database_url: str, topic_prefix: str) -> None:
    """Two intake instances on one database: misses sent to both at once add up to the lock, seen by both."""
    settings = settings_for(database_url, topic_prefix, status_misses_before_lock=4, status_lock_seconds=3600)
    async with public_intake(settings) as one, public_intake(settings) as two:
        case = await register(one)
        number = case["case_number"]
        misses = await asyncio.gather(*(ask(c, number, WRONG) for c in (one, two, one, two)))
        assert [m.status_code for m in misses] == [404] * 4
        assert [(await ask(c, number, RIGHT)).status_code for c in (one, two)] == [429, 429]
        # an unknown number's first misses, at once in both: each counted
        await asyncio.gather(*(ask(c, UNKNOWN, WRONG) for c in (one, two, one)))
    assert (await misses_of(settings))[UNKNOWN] == 3


async def test_each_client_address_has_a_budget_with_retry_after(database_url: str, topic_prefix: str) -> None:
    async with public_intake(settings_for(database_url, topic_prefix, status_rate_per_minute=3)) as client:
        case = await register(client)
        answers = [await ask(client, case["case_number"], RIGHT) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        limited = answers[3]
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["detail"] == [{"loc": [], "type": "rate_limited", "msg": (
            "terlalu banyak permintaan dari alamat ini; coba lagi setelah Retry-After detik")}]
        # X-Forwarded-For is not trusted unless SLRT_STATUS_TRUSTED_PROXIES says so
        spoofed = await ask(client, case["case_number"], RIGHT, **{"x-forwarded-for": "198.51.100.9"})
        assert spoofed.status_code == 429
    behind_a_proxy = settings_for(database_url, topic_prefix, status_rate_per_minute=1, status_trusted_proxies=1)
    async with public_intake(behind_a_proxy) as client:
        first = await ask(client, case["case_number"], RIGHT, **{"x-forwarded-for": "198.51.100.9"})
        again = await ask(client, case["case_number"], RIGHT, **{"x-forwarded-for": "6.6.6.6, 198.51.100.9"})
        other = await ask(client, case["case_number"], RIGHT, **{"x-forwarded-for": "198.51.100.10"})
        assert [first.status_code, again.status_code, other.status_code] == [200, 429, 200]


BAD_FIELDS = [
    ({"case_number": "32-2026-42", "phone_last4": RIGHT}, ["body", "case_number"], "case_number_format"),
    ({"case_number": UNKNOWN, "phone_last4": "12"}, ["body", "phone_last4"], "phone_last4_format"),
    ({"case_number": UNKNOWN, "phone_last4": 7890}, ["body", "phone_last4"], "string_type"),
    ({"case_number": UNKNOWN}, ["body", "phone_last4"], "missing"),
    ({"case_number": UNKNOWN, "phone_last4": RIGHT, "phone": "081234567890"}, ["body", "phone"], "extra_forbidden"),
]


async def test_each_bad_field_is_a_422_naming_it(database_url: str, topic_prefix: str) -> None:
    settings = settings_for(database_url, topic_prefix)
    async with public_intake(settings) as client:
        case = await register(client)
        for body, loc, type_ in [*BAD_FIELDS, ({"case_number": case["case_number"], "phone_last4": "789"},
                                               ["body", "phone_last4"], "phone_last4_format")]:
            refused = await client.post("/v1/status", json=body)
            assert refused.status_code == 422, body
            assert [(e["loc"], e["type"]) for e in refused.json()["detail"]] == [(loc, type_)]
            assert "081234567890" not in refused.text and case["case_number"] not in refused.text
        unreadable = await client.post("/v1/status", content=b'{"case_number": ',
                                       headers={"content-type": "application/json"})
        assert unreadable.status_code == 422 and unreadable.json()["detail"][0]["type"] == "json_invalid"
    assert await misses_of(settings) == {}  # refused before anything was looked up


async def test_misses_are_forgotten_after_the_window_and_the_lock(database_url: str, topic_prefix: str) -> None:
    settings = settings_for(database_url, topic_prefix, status_miss_window_seconds=600, status_lock_seconds=900)
    async with public_intake(settings) as client:
        await ask(client, UNKNOWN, WRONG)
    engine = db.create_engine(settings.database_url)
    try:
        sessions = db.session_factory(engine)
        horizons = status_check.purge_horizons(settings)
        soon = datetime.now(UTC) + timedelta(seconds=890)
        assert (await purge_once(sessions=sessions, horizons=horizons, batch=10, now=soon)) == \
            {"status_lookup_misses": 0}
        later = datetime.now(UTC) + timedelta(seconds=901)
        assert (await purge_once(sessions=sessions, horizons=horizons, batch=10, now=later)) == \
            {"status_lookup_misses": 1}
    finally:
        await engine.dispose()
