"""The access table is the one truth: every ``/v1`` route of every service is a door in it and checks its
caller through it (but the one public door, named here), every door is a route, and ``docs/ACCESS.md`` is
rendered from it."""

from __future__ import annotations

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
from slrt_shared.access.http import guard
from slrt_shared.access.policy import PUBLIC_ROUTES, ROUTES, render_markdown

from tests.contract.snapshots import UPDATE
from tests.support.ports import closed_address

ACCESS_DOC = Path(__file__).resolve().parents[2] / "docs" / "ACCESS.md"
#: The only ``/v1`` routes without a token: the citizens' status look-up. Another public route fails the tests
#: below until it is added here, on purpose.
PUBLIC = {("intake", "POST /v1/status")}
APPS = {"intake": (intake_app, IntakeSettings, "intake_database_url"),
        "routing": (routing_app, RoutingSettings, "routing_database_url"),
        "notification": (notification_app, NotificationSettings, "notification_database_url"),
        "reporting": (reporting_app, ReportingSettings, "reporting_database_url")}


def app_of(service: str, tmp_path: Path) -> Any:
    build, settings_type, db_field = APPS[service]
    return build(settings_type(**{db_field: f"sqlite+aiosqlite:///{tmp_path / 'never-opened.db'}",
                                  "kafka_bootstrap": closed_address()}))


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_v1_route_is_a_door_of_the_table_and_checks_its_caller(service: str, tmp_path: Path) -> None:
    """Read from the served OpenAPI document: a route that declares the bearer scheme runs the table's guard
    (``slrt_shared.access.http.guard`` is the only place the scheme is declared)."""
    paths = app_of(service, tmp_path).openapi()["paths"]
    operations = {f"{method.upper()} {path}": op for path, ops in paths.items() for method, op in ops.items()}
    served = {name for name in operations if name.split(" ", 1)[1].startswith("/v1")}
    assert served == {d.name for d in ROUTES if d.service == service}
    public = {name for service_, name in PUBLIC if service_ == service}
    assert [name for name in served - public if operations[name].get("security") != [{"bearer": []}]] == []
    assert [name for name in operations if name not in served - public and operations[name].get("security")] == []


def test_the_only_public_route_is_the_citizens_status_lookup(tmp_path: Path) -> None:
    """Marked public in the table, served without the bearer scheme, and refused a guard: exactly ``PUBLIC``."""
    assert {(d.service, d.name) for d in PUBLIC_ROUTES} == PUBLIC
    for service in APPS:
        paths = app_of(service, tmp_path).openapi()["paths"]
        unguarded = {(service, f"{method.upper()} {path}") for path, ops in paths.items() for method, op in ops.items()
                     if path.startswith("/v1") and not op.get("security")}
        assert unguarded == {p for p in PUBLIC if p[0] == service}
    for service, name in PUBLIC:
        with pytest.raises(ValueError, match="public door"):
            guard(service, name)


def test_the_access_document_is_rendered_from_the_table() -> None:
    text = render_markdown()
    if UPDATE:
        ACCESS_DOC.write_text(text, encoding="utf-8")
    assert ACCESS_DOC.read_text(encoding="utf-8") == text, "regenerate docs/ACCESS.md with SLRT_UPDATE_SNAPSHOTS=1"
