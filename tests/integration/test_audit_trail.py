"""The audit trail through the four services' HTTP APIs and command topics, on SQLite and PostgreSQL: a read or
change leaves a row with the caller's subject and role, the action, the case, the request id (``X-Request-ID``,
or a command's ``ce_id``) and the trace id; ``GET /v1/audit`` is for admins and filters by case and subject;
``slrt audit`` merges the four trails of a case by time."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from slrt.audit import UnknownCase, collect, render, resolve_case
from slrt.scratch import PostgresServer
from slrt_contracts.commands import RegisterCase
from slrt_contracts.envelope import to_kafka
from slrt_contracts.referral_updates import ReferralUpdate
from slrt_contracts.topics import Topics
from slrt_intake.app import build_app as intake_app
from slrt_intake.settings import IntakeSettings
from slrt_notification.app import build_app as notification_app
from slrt_notification.settings import NotificationSettings
from slrt_reporting.app import build_app as reporting_app
from slrt_reporting.settings import ReportingSettings
from slrt_routing.app import build_app as routing_app
from slrt_routing.settings import RoutingSettings
from slrt_shared.access.principal import NATIONAL, Role
from slrt_shared.request_ids import HEADER
from slrt_shared.telemetry import configure_tracing

from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import publish, signed
from tests.support.ports import closed_address
from tests.support.tokens import token
from tests.unit.shared.registration_rules import VALID, with_value

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVICES = ("intake", "routing", "notification", "reporting")
KECAMATAN, PKH_OWNER = "32.01.01", "dinsos-pkh@32.01"
TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def who(role: Role, sub: str, scope: str = KECAMATAN, owner: str | None = None, request_id: str | None = None
        ) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token(role, scope, owner=owner, sub=sub)}"}
    return headers | ({HEADER: request_id} if request_id else {})


ADMIN = {"Authorization": f"Bearer {token(Role.ADMIN, NATIONAL, sub='auditor-1')}"}


@dataclass
class World:
    apps: dict[str, Any]
    clients: dict[str, httpx.AsyncClient]
    case_id: str
    case_number: str
    referral_id: str
    bootstrap: str
    topics: Topics


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["sqlite", "postgres"])
async def world(request: pytest.FixtureRequest, kafka_broker: Any,
                tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    configure_tracing("tests")  # spans, hence trace ids, as a service process has them
    folder: Path = tmp_path_factory.mktemp("audit")
    server: PostgresServer | None = request.getfixturevalue("postgres") if request.param == "postgres" else None
    names = {s: await server.create() for s in SERVICES} if server else {}
    urls = {s: server.url(names[s]) if server else f"sqlite+aiosqlite:///{folder / f'{s}.db'}" for s in SERVICES}
    prefix = f"t{uuid.uuid4().hex[:10]}."
    common = {"kafka_bootstrap": kafka_broker.bootstrap, "topic_prefix": prefix, "outbox_poll_seconds": 0.05}
    apps = {
        "intake": intake_app(IntakeSettings(intake_database_url=urls["intake"], **common)),
        "routing": routing_app(RoutingSettings(routing_database_url=urls["routing"], sla_override_seconds=3600,
                                               **common)),
        "notification": notification_app(NotificationSettings(notification_database_url=urls["notification"],
                                                              **common)),
        "reporting": reporting_app(ReportingSettings(reporting_database_url=urls["reporting"], **common)),
    }
    try:
        async with running(apps["intake"], headers={}) as intake, running(apps["routing"], headers={}) as routing, \
                running(apps["notification"], headers={}) as notification, \
                running(apps["reporting"], headers={}) as reporting:
            registered = await intake.post("/v1/cases", json=with_value(VALID, ("needs",), ["PKH"]),
                                           headers=who(Role.SUPERVISOR, "sup-1", request_id="req-register"))
            assert registered.status_code == 201 and registered.headers[HEADER] == "req-register"
            case_id, case_number = registered.json()["case_id"], registered.json()["case_number"]

            async def routed() -> str | None:
                view = await routing.get(f"/v1/cases/{case_id}", headers=ADMIN)
                refs = view.json().get("referrals") or [] if view.status_code == 200 else []
                return refs[0]["referral_id"] if refs else None

            async def reported() -> bool:
                return (await reporting.get(f"/v1/cases/{case_id}", headers=ADMIN)).status_code == 200

            referral_id = await eventually(routed, timeout=60)
            await eventually(reported, timeout=60)
            clients = {"intake": intake, "routing": routing, "notification": notification, "reporting": reporting}
            yield World(apps, clients, case_id, case_number, referral_id, kafka_broker.bootstrap, Topics(prefix))
    finally:
        for name in names.values():
            await server.drop(name)  # type: ignore[union-attr]


async def trail(w: World, service: str, **params: str) -> list[dict[str, Any]]:
    response = await w.clients[service].get("/v1/audit", params={"case_id": w.case_id, **params}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def one(rows: list[dict[str, Any]], request_id: str) -> dict[str, Any]:
    [row] = [r for r in rows if r["request_id"] == request_id]
    assert TRACE_ID.match(row["trace_id"] or ""), row
    return row


async def test_a_read_through_each_service_leaves_a_row(world: World) -> None:
    operator = {"intake": "op-intake", "routing": "op-routing", "reporting": "op-reporting"}
    for service, sub in operator.items():
        request_id = f"req-read-{service}"
        read = await world.clients[service].get(f"/v1/cases/{world.case_id}",
                                                headers=who(Role.OPERATOR, sub, request_id=request_id))
        assert read.status_code == 200 and read.headers[HEADER] == request_id, read.text
        row = one(await trail(world, service), request_id)
        assert (row["service"], row["subject"], row["role"], row["action"], row["case_id"]) == (
            service, sub, "operator", "case_viewed", world.case_id)
    intake_row = one(await trail(world, "intake"), "req-read-intake")
    assert intake_row["citizen_ref"].startswith("cit_")  # the pseudonym, never the NIK
    registered = one(await trail(world, "intake"), "req-register")
    assert (registered["subject"], registered["role"], registered["action"]) == ("sup-1", "supervisor",
                                                                                 "case_registered")


async def test_changes_and_lists_leave_rows(world: World) -> None:
    routing, intake, reporting = world.clients["routing"], world.clients["intake"], world.clients["reporting"]
    listed = await routing.get("/v1/referrals", headers=who(Role.SUPERVISOR, "sup-list", request_id="req-list"))
    assert world.case_id in listed.text
    complaint = await intake.post(f"/v1/cases/{world.case_id}/complaints", json={"description": "Belum ada kabar."},
                                  headers=who(Role.OPERATOR, "op-complaint", request_id="req-complaint"))
    assert complaint.status_code == 201
    escalated = await routing.post(f"/v1/cases/{world.case_id}/escalate", json={"reason": "keluhan berulang"},
                                   headers=who(Role.SUPERVISOR, "sup-escalate", request_id="req-escalate"))
    assert escalated.status_code == 200, escalated.text
    row = one(await trail(world, "routing"), "req-escalate")
    assert (row["action"], row["subject"], row["role"], row["detail"]) == (
        "case_escalated", "sup-escalate", "supervisor", {"from_level": "desa", "to_level": "kecamatan"})
    exported = await reporting.get("/v1/export.csv", params={"region": "32.01"},
                                   headers=who(Role.ANALYST, "analyst-1", request_id="req-export"))
    assert exported.status_code == 200
    assert [(r["action"], r["subject"]) for r in await trail(world, "routing", subject="sup-list")] == [
        ("referrals_listed", "sup-list")]
    row = one(await trail(world, "intake"), "req-complaint")
    assert (row["action"], row["subject"], row["detail"]["complaint_id"]) == (
        "complaint_filed", "op-complaint", complaint.json()["complaint_id"])
    # an export is one row, not one per case: it names no case, but the format and the region
    export = (await reporting.get("/v1/audit", params={"subject": "analyst-1"}, headers=ADMIN)).json()["items"]
    assert [(r["action"], r["case_id"], r["detail"]) for r in export] == [
        ("cases_exported", None, {"format": "csv", "region": "32.01", "shown": KECAMATAN})]


async def test_commands_on_kafka_are_audited_with_their_sender(world: World) -> None:
    owner = token(Role.OWNER, "32.01", owner=PKH_OWNER, sub="owner-pkh-1")
    sender = token(Role.OPERATOR, KECAMATAN, sub="agency-system-1")
    update = to_kafka(ReferralUpdate(referral_id=world.referral_id, case_id=world.case_id, status="accepted"),
                      topic=world.topics.referral_updates, source="/tests/audit", key=world.case_id,
                      event_id="update-audit-1")
    register = to_kafka(RegisterCase.model_validate(with_value(with_value(VALID, ("needs",), ["PIP"]),
                                                               ("citizen", "nik"), "3201015508950007")),
                        topic=world.topics.intake_commands, source="/tests/audit", key="cmd-audit-1",
                        event_id="cmd-audit-1")
    await publish(world.bootstrap, [signed(update, owner), signed(register, sender)])

    async def answered() -> list[dict[str, Any]]:
        return [r for r in await trail(world, "routing", subject="owner-pkh-1") if r["action"] == "referral_answered"]

    [answer] = await eventually(answered, timeout=60)
    assert (answer["role"], answer["request_id"], answer["detail"]) == (
        "owner", "update-audit-1", {"referral_id": world.referral_id, "status": "accepted"})

    async def registered() -> list[dict[str, Any]]:
        response = await world.clients["intake"].get("/v1/audit", params={"subject": "agency-system-1"},
                                                     headers=ADMIN)
        return list(response.json()["items"])

    [made] = await eventually(registered, timeout=60)
    assert (made["action"], made["role"], made["request_id"]) == ("case_registered", "operator", "cmd-audit-1")


async def test_the_audit_api_is_for_admins_only(world: World) -> None:
    for service in SERVICES:
        for role in (Role.OPERATOR, Role.SUPERVISOR, Role.ANALYST):
            refused = await world.clients[service].get("/v1/audit", headers=who(role, f"{role.value}-x", NATIONAL))
            assert refused.status_code == 403, (service, role)
        owner = who(Role.OWNER, "owner-x", NATIONAL, owner=PKH_OWNER)
        assert (await world.clients[service].get("/v1/audit", headers=owner)).status_code == 403
        assert (await world.clients[service].get("/v1/audit")).status_code == 401
    # notification serves nothing of a case over HTTP: its trail of the case is empty
    assert await trail(world, "notification") == []


async def test_the_audit_api_filters_and_pages(world: World) -> None:
    routing = world.clients["routing"]
    for n in range(3):
        await routing.get(f"/v1/cases/{world.case_id}", headers=who(Role.OPERATOR, "op-pager", request_id=f"pg-{n}"))
    seen, cursor = [], None
    while True:
        params = {"subject": "op-pager", "limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = (await routing.get("/v1/audit", params=params, headers=ADMIN)).json()
        seen += [r["request_id"] for r in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ["pg-0", "pg-1", "pg-2"]
    other = await routing.get("/v1/audit", params={"case_id": str(uuid.uuid4()), "subject": "op-pager"},
                              headers=ADMIN)
    assert other.json() == {"items": [], "next_cursor": None}
    for params, loc in (({"cursor": "not-a-cursor"}, "cursor"), ({"limit": "0"}, "limit"),
                        ({"case_id": "not an id"}, "case_id")):
        bad = await routing.get("/v1/audit", params=params, headers=ADMIN)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", loc], bad.text


async def test_slrt_audit_merges_the_four_trails_by_time(world: World) -> None:
    await world.clients["reporting"].get(f"/v1/cases/{world.case_id}",
                                         headers=who(Role.OPERATOR, "op-merge", request_id="req-merge"))
    admins = {name: as_admin(world, name) for name in SERVICES}
    try:
        assert await resolve_case(admins["reporting"], world.case_number) == world.case_id
        assert await resolve_case(admins["reporting"], world.case_id) == world.case_id
        with pytest.raises(UnknownCase):
            await resolve_case(admins["reporting"], "3201-1999-000001")
        merged = await collect(admins, world.case_id)
        separately = [r for s in SERVICES for r in await trail(world, s)]
    finally:
        for client in admins.values():
            await client.aclose()
    assert merged.unanswered == {}
    key = [(r["service"], r["id"]) for r in merged.entries]
    assert sorted(key) == sorted((r["service"], r["id"]) for r in separately) and len(set(key)) == len(key)
    assert [r["at"] for r in merged.entries] == sorted(r["at"] for r in merged.entries)
    assert {"intake", "routing", "reporting"} <= {r["service"] for r in merged.entries}
    assert merged.entries[0]["request_id"] == "req-register"  # the case began with its registration
    table = render(merged)
    assert "req-merge" in table and "op-merge" in table and world.case_id in table.splitlines()[0]
    assert VALID["citizen"]["nik"] not in table


async def test_slrt_audit_names_a_service_that_does_not_answer(world: World) -> None:
    admins = {name: as_admin(world, name) for name in SERVICES if name != "notification"}
    admins["notification"] = httpx.AsyncClient(base_url=f"http://{closed_address()}", headers=ADMIN)
    try:
        merged = await collect(admins, world.case_id)
    finally:
        for client in admins.values():
            await client.aclose()
    assert list(merged.unanswered) == ["notification"] and merged.entries


def as_admin(w: World, service: str) -> httpx.AsyncClient:
    """A client of the running in-process app that asks as an admin, as ``slrt audit`` does."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=w.apps[service]), base_url="http://testserver",
                             headers=ADMIN)
