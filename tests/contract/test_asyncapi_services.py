"""The four services' AsyncAPI documents: served, valid AsyncAPI 3.0, snapshot-tested."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from slrt_intake.app import build_app as intake_app
from slrt_intake.settings import IntakeSettings
from slrt_notification.app import build_app as notification_app
from slrt_notification.settings import NotificationSettings
from slrt_reporting.app import build_app as reporting_app
from slrt_reporting.settings import ReportingSettings
from slrt_routing.app import build_app as routing_app
from slrt_routing.settings import RoutingSettings

from tests.contract.snapshots import assert_matches_snapshot
from tests.contract.test_asyncapi import without_servers
from tests.support.ports import closed_address

SPEC = json.loads((Path(__file__).parent / "asyncapi" / "asyncapi-3.0.0.schema.json").read_text())
APPS = {
    "intake": (intake_app, IntakeSettings, "intake_database_url"),
    "routing": (routing_app, RoutingSettings, "routing_database_url"),
    "notification": (notification_app, NotificationSettings, "notification_database_url"),
    "reporting": (reporting_app, ReportingSettings, "reporting_database_url"),
}
EXPECTED = {
    "intake": {"slrt.intake.commands", "slrt.intake.replies", "slrt.intake.commands.dlt", "slrt.case.events",
               "slrt.case.contacts"},
    "routing": {"slrt.case.events", "slrt.referral.updates", "slrt.referral.updates.dlt", "slrt.case.events.dlt"},
    "notification": {"slrt.case.contacts", "slrt.case.events", "slrt.notification.events", "slrt.case.events.dlt"},
    "reporting": {"slrt.case.events", "slrt.notification.events", "slrt.case.events.dlt"},
}


def client(service: str, tmp_path: Path) -> TestClient:
    build, settings_type, db_field = APPS[service]
    settings = settings_type(**{db_field: f"sqlite+aiosqlite:///{tmp_path / 'never-opened.db'}",
                                "kafka_bootstrap": closed_address()})
    return TestClient(build(settings))  # no lifespan: neither database nor broker


def document(service: str, tmp_path: Path) -> dict[str, Any]:
    response = client(service, tmp_path).get("/asyncapi")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]



@pytest.mark.parametrize("service", sorted(APPS))
def test_document_is_valid_and_matches_its_snapshot(service: str, tmp_path: Path) -> None:
    doc = document(service, tmp_path)
    assert [e.message[:200] for e in jsonschema_rs.validator_for(SPEC).iter_errors(doc)] == []
    assert {c["address"] for c in doc["channels"].values()} == EXPECTED[service]
    assert_matches_snapshot(f"{service}.asyncapi.json", without_servers(doc))


def test_routing_documents_every_event_it_publishes(tmp_path: Path) -> None:
    doc = document("routing", tmp_path)
    sent = {m for op in doc["operations"].values() if op["action"] == "send" for m in
            (ref["$ref"].rsplit("/", 1)[-1] for ref in op.get("messages", []))}
    for name in ("ReferralDispatched", "CaseEscalated", "CaseOverdue", "CaseResolved", "CaseClosed", "CaseReopened"):
        assert name in sent
