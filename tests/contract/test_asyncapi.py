"""Intake's AsyncAPI document: served at /asyncapi, valid AsyncAPI 3.0, snapshot-tested."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from slrt_contracts.case_events import CaseResolved
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings
from slrt_shared.asyncapi import ChannelSpec, asyncapi_document
from slrt_shared.settings import ServiceSettings

from tests.contract.snapshots import assert_matches_snapshot
from tests.support.ports import closed_address

SPEC = json.loads((Path(__file__).parent / "asyncapi" / "asyncapi-3.0.0.schema.json").read_text())


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Intake as a fresh clone runs it (no topic prefix); documents need neither database nor broker."""
    path = tmp_path_factory.mktemp("intake") / "never-opened.db"
    settings = IntakeSettings(intake_database_url=f"sqlite+aiosqlite:///{path}",
                              kafka_bootstrap=closed_address())
    yield TestClient(build_app(settings))


@pytest.fixture(scope="module")
def document(intake: TestClient) -> dict[str, Any]:
    r = intake.get("/asyncapi")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    return r.json()  # type: ignore[no-any-return]


def test_the_document_is_valid_asyncapi_3(document: dict[str, Any]) -> None:
    errors = [e.message[:200] for e in jsonschema_rs.validator_for(SPEC).iter_errors(document)]
    assert errors == []


def test_the_validator_does_refuse_a_broken_document(document: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(document))
    broken["operations"]["receive_slrt_intake_commands"]["action"] = "subscribe"  # AsyncAPI 2 wording
    assert not jsonschema_rs.validator_for(SPEC).is_valid(broken)


def test_the_document_matches_its_snapshot(document: dict[str, Any]) -> None:
    assert_matches_snapshot("intake.asyncapi.json", without_servers(document))


def without_servers(document: dict[str, Any]) -> dict[str, Any]:
    """The document less its servers, which are the settings' (here a closed port that changes every run)."""
    (server,) = document["servers"].values()
    assert server["protocol"] == "kafka" and server["host"].startswith("127.0.0.1:")
    return {k: v for k, v in document.items() if k != "servers"}


def test_intake_s_topics_and_messages(document: dict[str, Any]) -> None:
    channels = {c["address"]: sorted(c["messages"]) for c in document["channels"].values()}
    assert channels == {
        "slrt.intake.commands": ["FileComplaint", "RegisterCase"],
        "slrt.intake.replies": ["CommandAccepted", "CommandRejected"],
        "slrt.intake.commands.dlt": ["DeadLetter_slrt_intake_commands_dlt"],
        "slrt.case.events": sorted(["CaseRegistered", "ComplaintFiled", "ReferralDispatched", "ReferralAccepted",
                                    "ReferralInProgress", "CaseEscalated", "CaseResolved", "CaseClosed",
                                    "CaseReopened"]),
        "slrt.case.contacts": ["CaseContacts", "Tombstone"],
    }
    actions = {name: op["action"] for name, op in document["operations"].items()}
    assert actions == {"receive_slrt_intake_commands": "receive", "send_slrt_intake_replies": "send",
                       "send_slrt_intake_commands_dlt": "send", "send_slrt_case_events": "send",
                       "receive_slrt_case_events": "receive", "send_slrt_case_contacts": "send"}
    assert document["operations"]["receive_slrt_intake_commands"]["reply"] == {
        "channel": {"$ref": "#/channels/slrt_intake_replies"}}


def test_payloads_are_the_contract_models_schemas(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    register = messages["RegisterCase"]
    assert register["name"] == "id.slrt.case.register.v1"
    assert register["headers"]["properties"]["ce_type"] == {"const": "id.slrt.case.register.v1"}
    assert register["payload"] == {"$ref": "#/components/schemas/RegisterCase"}
    schema = document["components"]["schemas"]["RegisterCase"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"citizen", "address", "needs", "description", "channel", "consent"}
    citizen = document["components"]["schemas"]["Citizen"]["properties"]
    assert citizen["nik"]["pattern"] == "^[0-9]{16}$" and citizen["nik"]["examples"] == ["3201015508950001"]
    assert messages["CommandRejected"]["bindings"]["kafka"]["key"]["description"] == "the key of the command answered"
    assert messages["Tombstone"]["payload"] == {"type": "null"}


def test_the_generator_merges_a_topic_read_and_written() -> None:
    doc = asyncapi_document("demo", [ChannelSpec("t.events", "send", (CaseResolved,)),
                                     ChannelSpec("t.events", "receive", (CaseResolved,))], settings=ServiceSettings())
    assert list(doc["channels"]) == ["t_events"] and sorted(doc["operations"]) == ["receive_t_events",
                                                                                 "send_t_events"]
    assert jsonschema_rs.validator_for(SPEC).is_valid(doc)


def test_servers_are_the_settings_brokers_with_their_security() -> None:
    settings = ServiceSettings(kafka_bootstrap="kafka-1.slrt:9094,kafka-2.slrt:9094",
                               kafka_security_protocol="SASL_SSL",
                               kafka_sasl_mechanism="SCRAM-SHA-512")
    doc = asyncapi_document("demo", [ChannelSpec("t.events", "send", (CaseResolved,))], settings=settings)
    assert {s["host"]: s["protocol"] for s in doc["servers"].values()} == {"kafka-1.slrt:9094": "kafka-secure",
                                                                           "kafka-2.slrt:9094": "kafka-secure"}
    assert all(s["security"] == [{"$ref": "#/components/securitySchemes/sasl"}] for s in doc["servers"].values())
    assert doc["components"]["securitySchemes"]["sasl"]["type"] == "scramSha512"
    assert jsonschema_rs.validator_for(SPEC).is_valid(doc)
    plain = asyncapi_document("demo", [], settings=ServiceSettings(kafka_bootstrap="127.0.0.1:9092"))
    assert plain["servers"] == {"broker-1": {"host": "127.0.0.1:9092", "protocol": "kafka",
                                             "description": "bootstrap address 1 of 1 (PLAINTEXT)"}}
    assert "securitySchemes" not in plain["components"]
