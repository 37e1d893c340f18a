"""``slrt dlt`` round trip on the real broker and PostgreSQL: an agency's valid command that intake could not
carry out because of a fault of its own (a table gone: not a passing outage, so it is ``unexpected``) is
dead-lettered with its verified sender; once the fault is fixed, ``slrt dlt replay`` brings it back under an
admin's token and it takes effect exactly once: one case, one accepted reply, a second replay replays nothing.
Every action is in intake's audit trail; ``show`` never prints the command's personal data."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slrt.dlt import run_dlt
from slrt.settings import CliSettings
from slrt_intake.app import build_app
from slrt_shared import db
from slrt_shared.access.principal import Role

from tests.integration.intake.conftest import intake_settings
from tests.integration.intake.test_command_topic import command
from tests.support import eventually
from tests.support.apps import running
from tests.support.databases import rows
from tests.support.kafka import TopicReader, publish
from tests.support.tokens import token
from tests.unit.shared.registration_rules import VALID, with_value

NIK = "3201014506880011"
REGISTER = "id.slrt.case.register.v1"


async def _execute(url: str, statement: str) -> None:
    engine = db.create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def _scalar(url: str, statement: str) -> Any:
    engine = db.create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(sa.text(statement))).scalar()
    finally:
        await engine.dispose()


def _dlt(settings: CliSettings, *args: Any, **kwargs: Any) -> tuple[int, str]:
    out = io.StringIO()  # the in-process service logs to the same stdout: the command writes here
    code = run_dlt(settings, *args, out=out, **kwargs)
    return code, out.getvalue()


async def test_a_dead_letter_whose_cause_is_fixed_is_replayed_once(
        postgres: Any, kafka_broker: Any, topic_prefix: str) -> None:
    async with postgres.database() as url:
        settings = intake_settings(url, kafka_broker.bootstrap, topic_prefix, consumer_attempts=2)
        topics = settings.topics
        cli = CliSettings(kafka_bootstrap=kafka_broker.bootstrap, topic_prefix=topic_prefix, intake_database_url=url,
                          dev_admin_token=None, auth_issuer=None)
        admin = token(Role.ADMIN, sub="test-replaying-admin")
        dlt = f"{topics.intake_commands}.dlt"
        async with running(build_app(settings)), TopicReader(kafka_broker.bootstrap, topics.intake_replies,
                                                             topics.case_events, dlt) as reader:
            await _execute(url, "ALTER TABLE case_counters RENAME TO case_counters_away")  # the fault
            sent = command(topics.intake_commands, REGISTER, with_value(VALID, ("citizen", "nik"), NIK),
                           sender=token(Role.OPERATOR, "32.01", sub="agency-dinsos-3201"))
            await publish(kafka_broker.bootstrap, [sent])

            async def dead_lettered() -> list[Any] | None:
                return [r for r in reader.records if r.topic == dlt] or None

            [dead] = await eventually(dead_lettered, timeout=60)
            headers = dict(dead.headers)
            assert headers["x-error-reason"] == b"unexpected" and headers["x-consumer"] == b"intake-commands"
            assert headers["x-sender-sub"] == b"agency-dinsos-3201" and "authorization" not in headers

            # what an operator sees: counts and headers, never the registration's personal data
            code, out = await asyncio.to_thread(_dlt, cli, "list", topic="slrt.intake.commands",
                                                token=admin, as_json=True)
            assert code == 0, out
            [listed] = json.loads(out)
            assert (listed["dead_letters"], listed["by_reason"], listed["replayed"]) == (1, {"unexpected": 1}, 0)
            code, out = await asyncio.to_thread(_dlt, cli, "show", topic="slrt.intake.commands.dlt",
                                                partition=dead.partition, offset=dead.offset, token=admin)
            assert code == 0, out
            assert json.loads(out)["headers"]["x-error-reason"] == "unexpected"
            assert NIK not in out and VALID["citizen"]["name"] not in out and "Bearer" not in out

            # an operator's token may not replay; an admin's may, once the fault is fixed
            code, out = await asyncio.to_thread(_dlt, cli, "replay", topic="slrt.intake.commands",
                                                token=token(Role.OPERATOR, "32.01"))
            assert code == 1 and "admin" in out
            await _execute(url, "ALTER TABLE case_counters_away RENAME TO case_counters")  # fixed
            since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
            code, out = await asyncio.to_thread(_dlt, cli, "replay", topic="slrt.intake.commands",
                                                reason="unexpected", since=since, token=admin)
            assert code == 0 and "replayed 1 dead letter(s)" in out, out

            async def accepted() -> list[Any] | None:
                got = [e for e in reader.events(topics.intake_replies)
                       if e.data["command_id"] == headers["ce_id"].decode()]
                return got or None

            [reply] = await eventually(accepted, timeout=60)
            assert reply.type == "id.slrt.command.accepted.v1", reply.data

            # a second replay finds nothing to replay; the case exists once, registered by the original sender
            code, out = await asyncio.to_thread(_dlt, cli, "replay", topic="slrt.intake.commands",
                                                token=admin)
            assert code == 0 and "replayed 0 dead letter(s)" in out, out
            await reader.read_to_end()
            assert len([e for e in reader.events(topics.intake_replies)
                        if e.data["command_id"] == headers["ce_id"].decode()]) == 1
            registered = [e for e in reader.events(topics.case_events) if e.type == "id.slrt.case.registered.v1"]
            assert [e.data["case_id"] for e in registered] == [reply.data["case_id"]]
            assert await _scalar(url, "SELECT count(*) FROM cases") == 1

            # purged by retention: the embedded broker cannot delete records, so the ledger marks them gone
            code, out = await asyncio.to_thread(_dlt, cli, "purge", topic="slrt.intake.commands",
                                                before=datetime.now(UTC).isoformat(), token=admin)
            assert code == 0 and "1 dead letter(s) purged" in out, out
            code, out = await asyncio.to_thread(_dlt, cli, "list", token=admin, as_json=True)
            assert code == 0, out
            [listed] = [r for r in json.loads(out) if r["topic"] == dlt]
            assert (listed["dead_letters"], listed["purged"]) == (0, 1)

        trail = [(r.subject, r.action) for r in
                 (await rows(url, "SELECT subject, action FROM audit_log ORDER BY id"))]
        assert ("test-replaying-admin", "dead_letters_listed") in trail
        assert ("test-replaying-admin", "dead_letter_shown") in trail
        assert ("test-replaying-admin", "dead_letters_replayed") in trail
        assert ("test-replaying-admin", "dead_letters_purged") in trail
        assert ("agency-dinsos-3201", "case_registered") in trail, trail  # the original sender, as verified
