"""Who sends a command on ``slrt.intake.commands``: the token in its ``authorization`` header, judged as of its
``ce_time``. No valid token is ``unauthorized``, a role or desa outside the sender's reach ``forbidden``, a case
outside its scope answers as an unknown one; a command that waited past its token's expiry is still carried
out; dead-letter copies keep the verified sender, never the token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from jwt import encode
from slrt_contracts.topics import Topics
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings
from slrt_shared.access.principal import NATIONAL, Role

from tests.integration.intake.test_command_topic import command, header
from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader, publish
from tests.support.tokens import token
from tests.unit.shared.registration_rules import VALID, with_value

REGISTER, COMPLAIN = "id.slrt.case.register.v1", "id.slrt.complaint.file.v1"


def _nik(n: int) -> str:
    return f"32010155089500{n:02d}"


async def test_each_sender_is_judged_by_its_token_role_and_scope(online_settings: IntakeSettings,
                                                                 kafka_broker: Any) -> None:
    topics = online_settings.topics
    commands, dlt = topics.intake_commands, Topics.dead_letter(topics.intake_commands)
    now = datetime.now(UTC)
    bogor = token(Role.OPERATOR, "32.01")
    async with running(build_app(online_settings)) as client, \
            TopicReader(kafka_broker.bootstrap, topics.intake_replies, dlt) as reader:
        case_id = (await client.post("/v1/cases", json=VALID)).json()["case_id"]
        forged = encode({"iss": "slrt-dev", "aud": "slrt", "sub": "x", "exp": 4_000_000_000, "slrt_role": "admin",
                         "slrt_region": NATIONAL}, "not-the-key-" * 4, algorithm="HS256")
        sent = {
            "no token": command(commands, REGISTER, with_value(VALID, ("citizen", "nik"), _nik(2)), sender=None),
            "forged": command(commands, REGISTER, with_value(VALID, ("citizen", "nik"), _nik(3)), sender=forged),
            "analyst": command(commands, REGISTER, with_value(VALID, ("citizen", "nik"), _nik(4)),
                               sender=token(Role.ANALYST, "32.01")),
            "semarang": command(commands, REGISTER, with_value(VALID, ("citizen", "nik"), _nik(5)),
                                sender=token(Role.OPERATOR, "33.74")),
            "complaint elsewhere": command(commands, COMPLAIN, {"case_id": case_id, "description": "Belum ada."},
                                           sender=token(Role.OPERATOR, "33.74")),
            "complaint unknown": command(commands, COMPLAIN, {"case_id": "no-such-case", "description": "Belum."},
                                         sender=token(Role.OPERATOR, "33.74")),
            # written 20 minutes ago with a 15-minute token, valid then: it waited in the partition
            "waited": command(commands, REGISTER, with_value(VALID, ("citizen", "nik"), _nik(6)),
                              sender=token(Role.OPERATOR, "32.01", ttl=timedelta(minutes=15),
                                           issued_at=now - timedelta(minutes=25)), at=now - timedelta(minutes=20)),
            "post-dated": command(commands, REGISTER, with_value(VALID, ("citizen", "nik"), _nik(7)), sender=bogor,
                                  at=now + timedelta(hours=1)),
            "expired": command(commands, REGISTER, with_value(VALID, ("citizen", "nik"), _nik(8)),
                               sender=token(Role.OPERATOR, "32.01", ttl=timedelta(minutes=15),
                                            issued_at=now - timedelta(minutes=25))),
            "unknown type": command(commands, "id.slrt.case.delete.v1", {"case_id": case_id}, sender=bogor),
            "bogor": command(commands, COMPLAIN, {"case_id": case_id, "description": "Belum ada kabar."},
                             sender=bogor),
        }
        await publish(kafka_broker.bootstrap, list(sent.values()))

        async def answered() -> dict[str, Any] | None:
            got = {e.data["command_id"]: e for e in reader.events(topics.intake_replies)}
            return got if len(got) >= len(sent) - 1 else None

        replies = await eventually(answered, timeout=60)
        [dead] = await eventually(lambda: _records(reader, dlt), timeout=60)

    def reply(name: str) -> Any:
        return replies[dict(sent[name].headers)["ce_id"].decode()]

    def error_types(name: str) -> list[tuple[list[str], str]]:
        return [(e["loc"], e["type"]) for e in reply(name).data["errors"]]

    for name in ("no token", "forged", "post-dated", "expired"):
        assert error_types(name) == [(["header", "authorization"], "unauthorized")], name
    assert error_types("analyst") == [(["header", "authorization"], "forbidden")]
    assert error_types("semarang") == [(["data", "address", "region_code"], "forbidden")]
    assert reply("complaint elsewhere").data["errors"] == reply("complaint unknown").data["errors"] == [
        {"loc": ["data", "case_id"], "msg": "kasus tidak ditemukan", "type": "not_found"}]
    assert reply("waited").type == "id.slrt.command.accepted.v1"
    assert reply("bogor").type == "id.slrt.command.accepted.v1"
    # the dead letter keeps who sent it, verified, and never the token
    headers = dict(dead.headers)
    assert "authorization" not in headers and bogor.encode() not in b"".join(headers.values())
    assert (header(dead, "x-sender-role"), header(dead, "x-sender-scope"), header(dead, "x-sender-sub")) == (
        "operator", "32.01", "test-operator")


async def _records(reader: TopicReader, topic: str) -> list[Any] | None:
    found = [r for r in reader.records if r.topic == topic]
    return found or None
