"""Every route of the four services has a stable, unique ``operationId`` (its function's name), so a client
generated from the OpenAPI documents keeps its method names from one release to the next."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from slrt_intake.app import build_app as intake_app
from slrt_intake.settings import IntakeSettings
from slrt_notification.app import build_app as notification_app
from slrt_notification.settings import NotificationSettings
from slrt_reporting.app import build_app as reporting_app
from slrt_reporting.settings import ReportingSettings
from slrt_routing.app import build_app as routing_app
from slrt_routing.settings import RoutingSettings

from tests.contract.snapshots import assert_matches_snapshot
from tests.support.ports import closed_address

APPS = {
    "intake": (intake_app, IntakeSettings, "intake_database_url"),
    "routing": (routing_app, RoutingSettings, "routing_database_url"),
    "notification": (notification_app, NotificationSettings, "notification_database_url"),
    "reporting": (reporting_app, ReportingSettings, "reporting_database_url"),
}


def _openapi(service: str, tmp_path: Path) -> dict[str, Any]:
    build, settings_type, db_field = APPS[service]
    settings = settings_type(**{db_field: f"sqlite+aiosqlite:///{tmp_path / 'never-opened.db'}",
                                "kafka_bootstrap": closed_address()})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FastAPI warns of a duplicate operation id
        return build(settings).openapi()  # type: ignore[no-any-return]


@pytest.mark.parametrize("service", sorted(APPS))
def test_operation_ids_are_unique_named_and_stable(service: str, tmp_path: Path) -> None:
    document = _openapi(service, tmp_path)
    ids = {f"{method.upper()} {path}": operation["operationId"]
           for path, item in document["paths"].items() for method, operation in item.items()}
    assert len(set(ids.values())) == len(ids), "unique within the service"
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in ids.values()), ids
    assert_matches_snapshot(f"{service}.operation-ids.json", ids)
