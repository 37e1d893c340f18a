"""``slrt.intake.commands`` on the real broker, with a real aiokafka producer as an agency would send them:
valid commands are carried out (command.accepted), half-valid ones refused (command.rejected naming the field,
never the value), garbage dead-lettered with its headers, and the partition keeps flowing after it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from slrt_contracts.envelope import KafkaRecord
from slrt_contracts.topics import Topics
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings
from slrt_shared.access.principal import Role

from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader, publish
from tests.support.tokens import token
from tests.unit.shared.registration_rules import VALID, with_value

KEY = b"agency-dinsos-3201"  # one key: every command below lands on the same partition, in this order
BAD_NIK = "3201013102950001"  # 31 February


AGENCY = token(Role.OPERATOR, "32.01")  # the agency's system: an operator of Kabupaten Bogor


def command(topic: str, ce_type: str, data: Any, *, ce_id: str | None = None, sender: str | None = AGENCY,
            at: datetime | None = None) -> KafkaRecord:
    headers = {"ce_specversion": "1.0", "ce_id": ce_id or str(uuid.uuid4()), "ce_source": "/agencies/dinsos-3201",
               "ce_type": ce_type, "ce_time": (at or datetime.now(UTC)).isoformat(), "content-type": "application/json"}
    if sender is not None:
        headers["authorization"] = f"Bearer {sender}"
    return KafkaRecord(topic, KEY, json.dumps(data).encode(), [(k, v.encode()) for k, v in headers.items()])


def header(record: Any, name: str) -> str:
    return dict(record.headers)[name].decode()


@pytest.fixture
def settings(online_settings: IntakeSettings) -> IntakeSettings:
    return online_settings


async def test_commands_are_answered_refused_or_dead_lettered_and_the_partition_flows(
    settings: IntakeSettings, kafka_broker: Any
) -> None:
    topics = settings.topics
    commands, dlt = topics.intake_commands, Topics.dead_letter(topics.intake_commands)
    register, complain = "id.slrt.case.register.v1", "id.slrt.complaint.file.v1"
    valid = command(commands, register, VALID)
    half_valid = command(commands, register, with_value(with_value(VALID, ("citizen", "nik"), BAD_NIK),
                                                       ("consent",), False))
    garbage = [
        KafkaRecord(commands, KEY, b"\x00\xffnot json 3201015508950001", []),  # no envelope at all
        KafkaRecord(commands, KEY, json.dumps(VALID).encode(), []),  # JSON, but no ce headers
        KafkaRecord(commands, KEY, b"{not json 3201015508950001", command(commands, register, {}).headers),
        command(commands, "id.slrt.case.delete.v1", {"case_id": "x"}),  # a command intake does not know
        command(commands, register, [VALID]),  # JSON, but not an object
    ]
    after_garbage = command(commands, register, with_value(VALID, ("citizen", "nik"), "3201011508950002"))
    unknown_case = command(commands, complain, {"case_id": "no-such-case", "description": "Belum ada kabar."})
    half_complaint = command(commands, complain, {"description": ""})

    async with running(build_app(settings)), TopicReader(kafka_broker.bootstrap, topics.intake_replies, dlt,
                                                         topics.case_events, topics.case_contacts) as reader:
        await publish(kafka_broker.bootstrap, [valid, half_valid, *garbage, after_garbage, unknown_case,
                                               half_complaint])

        async def replies() -> dict[str, Any] | None:
            got = {e.data["command_id"]: e for e in reader.events(topics.intake_replies)}
            return got if len(got) >= 5 else None

        answered = await eventually(replies, timeout=60)
        dead = await eventually(lambda: _at_least(reader, dlt, len(garbage)), timeout=60)

        # the valid commands: accepted, each with its case, replies keyed like the command
        ids = {_ce_id(r): r for r in (valid, half_valid, after_garbage, unknown_case, half_complaint)}
        accepted = answered[_ce_id(valid)]
        assert accepted.type == "id.slrt.command.accepted.v1" and accepted.key == KEY.decode()
        assert accepted.data["case_id"] and accepted.data["case_number"].startswith("3201-")
        assert answered[_ce_id(after_garbage)].type == "id.slrt.command.accepted.v1"
        assert answered[_ce_id(after_garbage)].data["case_id"] != accepted.data["case_id"]

        # the half-valid ones: refused, every bad field named, no input value anywhere in the reply
        refused = answered[_ce_id(half_valid)]
        assert refused.type == "id.slrt.command.rejected.v1"
        assert refused.data["errors"] == [
            {"loc": ["data", "citizen", "nik"], "type": "nik_birth_date",
             "msg": "tanggal lahir pada NIK tidak valid (perempuan: tanggal + 40)"},
            {"loc": ["data", "consent"], "type": "consent_required", "msg": "persetujuan (consent) harus true"}]
        assert BAD_NIK not in json.dumps(refused.data)
        assert answered[_ce_id(unknown_case)].data["errors"] == [
            {"loc": ["data", "case_id"], "msg": "kasus tidak ditemukan", "type": "not_found"}]
        assert [(e["loc"], e["type"]) for e in answered[_ce_id(half_complaint)].data["errors"]] == [
            (["data", "description"], "string_too_short"), (["data", "case_id"], "missing")]
        assert set(answered) == set(ids)

        # the garbage: dead-lettered with the headers, the original value kept, no input value in the headers
        assert [r.value for r in dead] == [g.value for g in garbage]
        for record in dead:
            assert record.key == KEY
            assert header(record, "x-original-topic") == commands
            assert header(record, "x-attempts") == "1"
            assert header(record, "x-error-type") == "EnvelopeError"
            message = header(record, "x-error-message")
            assert message and "3201015508950001" not in message and "Siti" not in message
        assert [header(r, "x-error-message") for r in dead] == [
            "missing CloudEvents headers: ce_id, ce_source, ce_type",
            "missing CloudEvents headers: ce_id, ce_source, ce_type",
            "value is not JSON (JSONDecodeError)",
            "ce_type is not an event type of the contract",
            "value is not a JSON object"]
        assert [header(r, "x-error-reason") for r in dead] == ["undecodable"] * 3 + ["unknown_type", "undecodable"]

        # the accepted cases were registered: one case.registered each, no personal data on the public topic
        async def registered() -> list[Any] | None:
            events = [e for e in reader.events(topics.case_events) if e.type == "id.slrt.case.registered.v1"]
            return events if len(events) == 2 else None

        events = await eventually(registered, timeout=60)
        assert {e.data["case_id"] for e in events} == {accepted.data["case_id"],
                                                       answered[_ce_id(after_garbage)].data["case_id"]}
        public = json.dumps([e.data for e in events])
        assert "3201015508950001" not in public and "Siti" not in public and "081234567890" not in public


async def test_a_redelivered_command_is_carried_out_once(settings: IntakeSettings, kafka_broker: Any) -> None:
    topics = settings.topics
    async with running(build_app(settings)) as client, TopicReader(kafka_broker.bootstrap, topics.intake_replies,
                                                                   topics.case_events) as reader:
        case_id = (await client.post("/v1/cases", json=VALID)).json()["case_id"]
        complaint = command(topics.intake_commands, "id.slrt.complaint.file.v1",
                            {"case_id": case_id, "description": "Rujukan belum dijawab."})
        registration = command(topics.intake_commands, "id.slrt.case.register.v1",
                               with_value(VALID, ("citizen", "nik"), "3201011508950002"))
        marker = command(topics.intake_commands, "id.slrt.complaint.file.v1", {"case_id": "x", "description": "x"})
        # the same commands twice (as after a crash before the offset commit), then a marker behind them
        await publish(kafka_broker.bootstrap, [complaint, registration, complaint, registration, marker])

        async def marker_answered() -> bool:
            return any(e.data["command_id"] == _ce_id(marker) for e in reader.events(topics.intake_replies))

        await eventually(marker_answered, timeout=60)
        replies = [e.data["command_id"] for e in reader.events(topics.intake_replies)]
        assert sorted(replies) == sorted([_ce_id(complaint), _ce_id(registration), _ce_id(marker)])
        record = (await client.get(f"/v1/cases/{case_id}")).json()
        assert len(record["complaints"]) == 1
        citizen = (await client.get("/v1/citizens/3201011508950002/cases")).json()
        assert len(citizen["items"]) == 1


async def _at_least(reader: TopicReader, topic: str, n: int) -> list[Any] | None:
    records = [r for r in reader.records if r.topic == topic]
    return records if len(records) >= n else None


def _ce_id(record: KafkaRecord) -> str:
    return dict(record.headers)["ce_id"].decode()
