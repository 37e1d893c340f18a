"""The access matrix, generated from the access table (``slrt_shared.access.policy.DOORS``): every HTTP route and
both command topics x every role x in scope / out of scope, and x every kind of bad token (none, not bearer,
malformed, forged, ``alg: none``, expired, wrong audience), against the four services running in-process on
the real broker, with a case that went through intake, routing and reporting.

In scope means the case's kecamatan (an owner: the owner its referral is addressed to); out of scope means
Kota Semarang (an owner: the same programme's owner there). Out of scope answers byte for byte as absent.

One door takes no token: the citizens' status look-up (``PUBLIC``). It is named here on purpose, so that another
route made public fails these tests; a token, any or none, changes nothing of its answer."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from slrt_contracts.base import EventData
from slrt_contracts.commands import FileComplaint, RegisterCase
from slrt_contracts.envelope import KafkaRecord, to_kafka
from slrt_contracts.referral_updates import ReferralUpdate
from slrt_contracts.topics import Topics
from slrt_intake.adapters import tables
from slrt_intake.app import build_app as intake_app
from slrt_intake.settings import IntakeSettings
from slrt_notification.app import build_app as notification_app
from slrt_notification.settings import NotificationSettings
from slrt_reporting.app import build_app as reporting_app
from slrt_reporting.settings import ReportingSettings
from slrt_routing.app import build_app as routing_app
from slrt_routing.settings import RoutingSettings
from slrt_shared import db
from slrt_shared.access.policy import COMMANDS, GUARDED_ROUTES, PUBLIC_ROUTES, ROUTES, Door
from slrt_shared.access.principal import NATIONAL, Role

from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader, publish
from tests.support.tokens import admin, token
from tests.unit.shared.registration_rules import VALID, with_value

pytestmark = pytest.mark.asyncio(loop_scope="module")

DESA, KECAMATAN, ELSEWHERE = "32.01.01.1002", "32.01.01", "33.74"
OWNER_HERE, OWNER_ELSEWHERE = "dinsos-pkh@32.01", "dinsos-pkh@33.74"
#: an owner whose programme needs the citizen's identity (PBI-JK) reads intake's record of the case
IDENTITY_OWNER_HERE, IDENTITY_OWNER_ELSEWHERE = "dinsos-pbi@32.01", "dinsos-pbi@33.74"
OTHER_NIK = "3201011508950002"  # a valid NIK with no case
ERASABLE_NIK = "3201015508950003"  # the citizen of the case the erasure doors erase
ANSWERED_NIK = "3201015508950004"  # the citizen of the case only the analyst test answers
MISSING = "00000000-0000-4000-8000-000000000000"
#: The only routes without a token (``Door.public``): the citizens' status look-up.
PUBLIC = {("intake", "POST /v1/status")}
#: a webhook subscription of the case's kecamatan (its receiver never answers: nothing here waits for it)
SUBSCRIPTION = {"url": "http://127.0.0.1:9/hook", "types": ["id.slrt.case.escalated.v1"], "region": KECAMATAN}


@dataclass
class World:
    clients: dict[str, httpx.AsyncClient]
    case_id: str
    case_number: str
    erasable_case_id: str
    referral_id: str
    #: a referral no other test answers (the world's referral may already be past any status a test sets)
    answered_case_id: str
    answered_referral_id: str
    nik: str
    #: per role, two subscriptions of its in-scope principal: one to read, one to delete
    subscriptions: dict[Role, tuple[str, str]]
    intake_db: str
    bootstrap: str
    topics: Topics


def principal(role: Role, in_scope: bool, door: Door | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {principal_token(role, in_scope, door)}"}


def principal_token(role: Role, in_scope: bool, door: Door | None = None) -> str:
    if role is Role.OWNER and door is not None and door.service == "intake":
        scope, owner = ("32.01", IDENTITY_OWNER_HERE) if in_scope else (ELSEWHERE, IDENTITY_OWNER_ELSEWHERE)
    elif role is Role.OWNER:
        scope, owner = ("32.01", OWNER_HERE) if in_scope else (ELSEWHERE, OWNER_ELSEWHERE)
    else:
        scope, owner = (KECAMATAN if in_scope else ELSEWHERE), None
    return token(role, scope, owner=owner)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(kafka_broker: Any, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    folder: Path = tmp_path_factory.mktemp("access")
    prefix = f"t{uuid.uuid4().hex[:10]}."
    common = {"kafka_bootstrap": kafka_broker.bootstrap, "topic_prefix": prefix, "outbox_poll_seconds": 0.05}
    apps = {
        "intake": intake_app(IntakeSettings(intake_database_url=f"sqlite+aiosqlite:///{folder / 'i.db'}",
                                            status_rate_per_minute=1000, **common)),
        "routing": routing_app(RoutingSettings(routing_database_url=f"sqlite+aiosqlite:///{folder / 'r.db'}",
                                               sla_override_seconds=3600, **common)),
        "reporting": reporting_app(ReportingSettings(
            reporting_database_url=f"sqlite+aiosqlite:///{folder / 'p.db'}", **common)),
        "notification": notification_app(NotificationSettings(
            notification_database_url=f"sqlite+aiosqlite:///{folder / 'n.db'}", **common)),
    }
    # clients that send no token of their own: each request says who asks
    async with running(apps["intake"], headers={}) as intake, running(apps["routing"], headers={}) as routing, \
            running(apps["reporting"], headers={}) as reporting, \
            running(apps["notification"], headers={}) as notification:
        body = with_value(VALID, ("needs",), ["PKH"])
        registered = (await intake.post("/v1/cases", json=with_value(body, ("needs",), ["PKH", "PBI-JK"]),
                                        headers=admin())).json()
        case_id = registered["case_id"]
        erasable = (await intake.post("/v1/cases", json=with_value(body, ("citizen", "nik"), ERASABLE_NIK),
                                      headers=admin())).json()["case_id"]
        answered = (await intake.post("/v1/cases", json=with_value(body, ("citizen", "nik"), ANSWERED_NIK),
                                      headers=admin())).json()["case_id"]

        async def routed(case: str = case_id, count: int = 2) -> str | None:
            refs = (await routing.get(f"/v1/cases/{case}", headers=admin())).json().get("referrals") or []
            return next((r["referral_id"] for r in refs if r["owner_id"] == OWNER_HERE), None) \
                if len(refs) == count else None

        async def identity_owner_known() -> bool:  # intake learns the owners from routing's referral.dispatched
            reader = {"Authorization": f"Bearer {token(Role.OWNER, '32.01', owner=IDENTITY_OWNER_HERE)}"}
            return (await intake.get(f"/v1/cases/{case_id}", headers=reader)).status_code == 200

        async def reported() -> bool:
            return [(await reporting.get(f"/v1/cases/{c}", headers=admin())).status_code
                    for c in (case_id, erasable)] == [200, 200]

        referral_id = await eventually(routed, timeout=60)
        answered_referral_id = await eventually(lambda: routed(answered, 1), timeout=60)
        await eventually(reported, timeout=60)
        await eventually(identity_owner_known, timeout=60)
        subscriptions = {}
        for role in (Role.OPERATOR, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN):
            made = [(await notification.post("/v1/subscriptions", json=SUBSCRIPTION, headers=principal(role, True)))
                    .json()["id"] for _ in range(2)]
            subscriptions[role] = (made[0], made[1])
        yield World({"intake": intake, "routing": routing, "reporting": reporting, "notification": notification},
                    case_id, registered["case_number"], erasable, referral_id, answered, answered_referral_id,
                    VALID["citizen"]["nik"], subscriptions, f"sqlite+aiosqlite:///{folder / 'i.db'}",
                    kafka_broker.bootstrap, Topics(prefix))


def request_for(door: Door, w: World, *, absent: bool = False, role: Role = Role.ADMIN) -> tuple[str, dict[str, Any]]:
    """The door's path and request options for the world's objects (or, ``absent``, for ones that do not
    exist); a subscription is the in-scope principal's of ``role``."""
    case = MISSING if absent else (w.erasable_case_id if door.method == "DELETE" else w.case_id)
    referral = MISSING if absent else w.referral_id
    kept, deletable = w.subscriptions.get(role, w.subscriptions[Role.ADMIN])
    subscription = MISSING if absent else (deletable if door.method == "DELETE" else kept)
    path = door.path.replace("{case_id}", case).replace("{referral_id}", referral).replace(
        "{nik}", OTHER_NIK if absent else w.nik).replace("{subscription_id}", subscription)
    options: dict[str, Any] = {}
    if door.path == "/v1/audit":
        options["params"] = {"case_id": case}
    elif door.name == "POST /v1/cases":
        options["json"] = with_value(VALID, ("needs",), ["PKH"])
    elif door.name.endswith("/complaints"):
        options["json"] = {"description": "Belum ada kabar dari dinas."}
    elif door.name.endswith("/status"):
        options["json"] = {"status": "accepted"}
    elif door.name == "POST /v1/citizens/erasure":
        options["json"] = {"nik": OTHER_NIK if absent else ERASABLE_NIK, "reason": "citizen_request"}
    elif door.name.endswith("/escalate"):
        options["json"] = {"reason": "keluhan berulang"}
    elif door.name.endswith("/reassign"):  # to the owner that holds it: 409, nothing moves for the other tests
        options["json"] = {"owner_id": OWNER_HERE, "reason": "dialihkan"}
    elif door.name == "POST /v1/citizens/search":  # the name in the body, never the URL
        options["json"] = {"name": "Aminah"}
    elif door.name == "POST /v1/citizens/subject-access":  # the NIK in the body, never the URL
        options["json"] = {"nik": OTHER_NIK if absent else w.nik}
    elif door.name == "PATCH /v1/cases/{case_id}/citizen":
        options["json"] = {"email": "siti.aminah@example.id"}
    elif door.name == "POST /v1/subscriptions":
        options["json"] = SUBSCRIPTION
    return path, options


async def call(w: World, door: Door, headers: dict[str, str], *, absent: bool = False,
               role: Role = Role.ADMIN) -> httpx.Response:
    path, options = request_for(door, w, absent=absent, role=role)
    return await w.clients[door.service].request(door.method, path, headers=headers, **options)


ROLE_CASES = [pytest.param(d, r, s, id=f"{d.service} {d.name} {r.value} {'in' if s else 'out'}")
              for d in GUARDED_ROUTES for r in Role for s in (True, False)]


@pytest.mark.parametrize(("door", "role", "in_scope"), ROLE_CASES)
async def test_each_role_in_and_out_of_scope(world: World, door: Door, role: Role, in_scope: bool) -> None:
    headers = principal(role, in_scope, door)
    response = await call(world, door, headers, role=role)
    if role not in door.roles:
        assert response.status_code == 403, response.text
        assert response.json()["detail"][0]["type"] == "forbidden"
        return
    text = response.text
    if door.path == "/v1/audit":  # an admin of a region reads the trail of the cases in it
        assert response.status_code == 200, text
        if in_scope and door.service in ("intake", "routing", "reporting"):
            assert world.case_id in text
        if not in_scope:
            assert response.json()["items"] == [] and world.case_id not in text
        return
    if in_scope:
        assert response.status_code in (200, 201, 409), text  # 409: an escalation or answer already made
        if door.method == "GET" and door.path in ("/v1/cases", "/v1/export.csv"):
            assert world.case_id in text
        if door.name in ("GET /v1/citizens/{nik}/cases", "GET /v1/referrals", "POST /v1/citizens/subject-access"):
            assert world.case_id in text
        if door.name == "GET /v1/stats":
            assert response.json()["total"] >= 1
        return
    # out of scope
    if door.name == "POST /v1/cases":
        assert response.status_code == 403 and response.json()["detail"][0]["loc"] == ["body", "address", "region_code"]
    elif door.name == "POST /v1/subscriptions":
        assert response.status_code == 403 and response.json()["detail"][0]["loc"] == ["body", "region"]
    elif "{" in door.path:
        absent = await call(world, door, headers, absent=True, role=role)
        assert (response.status_code, response.content) == (absent.status_code, absent.content)
        if "{nik}" not in door.path:
            assert response.status_code == 404
        else:
            assert response.json()["items"] == []
    else:  # lists, figures, exports and subject access: narrowed to the scope, where the case is not
        assert response.status_code == 200, text
        assert world.case_id not in text
        if door.name == "POST /v1/citizens/subject-access":  # as the unknown NIK's answer, but for its times
            absent = (await call(world, door, headers, absent=True)).json()
            times = ("requested_at", "answered_at")
            assert {k: v for k, v in response.json().items() if k not in times} == \
                {k: v for k, v in absent.items() if k not in times}
        if door.name == "GET /v1/stats":
            assert response.json()["total"] == 0


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bad_tokens() -> dict[str, str | None]:
    claims = {"iss": "slrt-dev", "aud": "slrt", "sub": "intruder", "exp": 4_000_000_000,
              "slrt_role": "admin", "slrt_region": NATIONAL}
    forged = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA")
    return {
        "none": None,
        "not bearer": "Basic YWRtaW46YWRtaW4=",
        "malformed": "Bearer not-a-token",
        "forged": f"Bearer {forged}",
        "alg none": f"Bearer {_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "expired": "Bearer " + token(Role.ADMIN, NATIONAL, ttl=timedelta(seconds=-120)),
        "wrong audience": "Bearer " + token(Role.ADMIN, NATIONAL, audience="another-system"),
    }


TOKEN_CASES = [pytest.param(d, kind, id=f"{d.service} {d.name} {kind}") for d in GUARDED_ROUTES
               for kind in bad_tokens()]


@pytest.mark.parametrize(("door", "kind"), TOKEN_CASES)
async def test_no_valid_token_is_401_with_a_challenge(world: World, door: Door, kind: str) -> None:
    value = bad_tokens()[kind]
    response = await call(world, door, {} if value is None else {"Authorization": value})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["detail"] == [{"loc": ["header", "Authorization"], "type": "unauthorized",
                                          "msg": "diperlukan token bearer yang sah"}]


async def test_an_owner_answers_only_its_own_referrals(world: World) -> None:
    routing = world.clients["routing"]
    mine = {"Authorization": f"Bearer {token(Role.OWNER, '32.01', owner=OWNER_HERE)}"}
    # the same programme's owner of another kabupaten, even with a national scope, does not reach it
    other = {"Authorization": f"Bearer {token(Role.OWNER, NATIONAL, owner=OWNER_ELSEWHERE)}"}
    refused = await routing.post(f"/v1/referrals/{world.referral_id}/status", json={"status": "rejected",
                                 "reason": "bukan wewenang"}, headers=other)
    unknown = await routing.post(f"/v1/referrals/{MISSING}/status", json={"status": "rejected",
                                 "reason": "bukan wewenang"}, headers=other)
    assert (refused.status_code, refused.content) == (unknown.status_code, unknown.content)
    assert refused.status_code == 404
    listed = (await routing.get("/v1/referrals", headers=other)).json()
    assert listed["items"] == []
    inbox = (await routing.get("/v1/referrals", headers=mine)).json()["items"]
    assert world.referral_id in [r["referral_id"] for r in inbox] and {r["owner_id"] for r in inbox} == {OWNER_HERE}
    view = (await routing.get(f"/v1/cases/{world.case_id}", headers=admin())).json()
    [pkh] = [r for r in view["referrals"] if r["programme"] == "PKH"]
    assert pkh["referral_id"] == world.referral_id and pkh["status"] != "rejected"  # not by the other owner


async def test_an_analyst_sees_no_personal_data_or_free_text(world: World) -> None:
    routing, reporting = world.clients["routing"], world.clients["reporting"]
    answer = await routing.post(f"/v1/referrals/{world.answered_referral_id}/status", headers=admin(),
                                json={"status": "in_progress", "reason_code": "under_verification",
                                      "reason": "Ibu Siti diminta datang ke kantor"})
    assert answer.status_code == 200, answer.text
    analyst = {"Authorization": f"Bearer {token(Role.ANALYST, '32.01')}"}

    async def reason_reported() -> bool:  # the answer's code, not any escalation's reason
        view = (await reporting.get(f"/v1/cases/{world.answered_case_id}", headers=admin())).json()
        return any(e.get("reason_code") == "under_verification" for e in view["timeline"])

    await eventually(reason_reported, timeout=60)
    bodies = [(await reporting.get(path, headers=analyst)).text for path in (
        f"/v1/cases/{world.answered_case_id}", "/v1/cases", "/v1/stats", "/v1/export.csv")]
    bodies.append((await reporting.get("/v1/export.xlsx", headers=analyst)).content.decode("latin-1"))
    personal = [VALID["citizen"][k] for k in ("nik", "kk", "name", "email")] + ["81234567890", "Melati", "Ibu Siti"]
    for body in bodies:
        assert not [p for p in personal if p in body]
    for path in (f"/v1/cases/{world.answered_case_id}", f"/v1/citizens/{world.nik}/cases"):
        assert (await world.clients["intake"].get(path, headers=analyst)).status_code == 403
    assert (await routing.get(f"/v1/cases/{world.answered_case_id}", headers=analyst)).status_code == 403


async def test_an_owner_reads_a_citizen_only_where_its_programme_needs_it(world: World) -> None:
    intake = world.clients["intake"]
    pkh = {"Authorization": f"Bearer {token(Role.OWNER, NATIONAL, owner=OWNER_HERE)}"}
    refused = await intake.get(f"/v1/cases/{world.case_id}", headers=pkh)  # PKH acts without the identity
    absent = await intake.get(f"/v1/cases/{MISSING}", headers=pkh)
    assert (refused.status_code, refused.content) == (absent.status_code, absent.content) == (404, absent.content)
    pbi = {"Authorization": f"Bearer {token(Role.OWNER, '32.01', owner=IDENTITY_OWNER_HERE, sub='owner-pbi-7')}"}
    record = await intake.get(f"/v1/cases/{world.case_id}", headers=pbi)
    assert record.status_code == 200 and record.json()["citizen"]["nik"] == world.nik
    engine = db.create_engine(world.intake_db)
    try:
        async with engine.connect() as conn:
            audited = (await conn.execute(sa.select(tables.audit_log).where(
                tables.audit_log.c.subject == "owner-pbi-7"))).all()
    finally:
        await engine.dispose()
    assert [(a.action, a.role, a.case_id, a.detail) for a in audited] == [
        ("case_viewed", "owner", world.case_id, {"owner": IDENTITY_OWNER_HERE, "programme": "PBI-JK"})]


def test_the_matrix_covers_every_door() -> None:
    assert {(d.service, d.name) for d in PUBLIC_ROUTES} == PUBLIC  # another public route must be named here
    assert {p.values[0].name for p in ROLE_CASES} | {d.name for d in PUBLIC_ROUTES} == {d.name for d in ROUTES}
    assert len(ROLE_CASES) == len(GUARDED_ROUTES) * len(Role) * 2
    assert {p.values[0].name for p in TOKEN_CASES} == {d.name for d in GUARDED_ROUTES}


async def test_the_public_door_answers_alike_with_any_token_or_none(world: World) -> None:
    """The citizens' status look-up: no token needed, and none of any kind (every role in and out of scope, every
    bad token) changes the answer; an unknown case number is a 404 whoever asks."""
    intake = world.clients["intake"]
    pair = {"case_number": world.case_number, "phone_last4": VALID["citizen"]["phone"][-4:]}
    tokenless = await intake.post("/v1/status", json=pair)
    assert tokenless.status_code == 200, tokenless.text
    assert tokenless.json()["case_number"] == world.case_number
    headers = [principal(role, in_scope) for role in Role for in_scope in (True, False)]
    headers += [{} if value is None else {"Authorization": value} for value in bad_tokens().values()]
    for each in headers:
        answer = await intake.post("/v1/status", json=pair, headers=each)
        assert (answer.status_code, answer.content) == (200, tokenless.content)
    unknown = [await intake.post("/v1/status", json={**pair, "case_number": "3201-2026-999999"}, headers=each)
               for each in (headers[0], {})]
    assert [u.status_code for u in unknown] == [404, 404] and unknown[0].content == unknown[1].content


COMMAND_CASES = [(d, r, s) for d in COMMANDS for r in Role for s in (True, False)]


def command_for(door: Door, w: World, n: int, authorization: str | None) -> KafkaRecord:
    """The door's command for the world's case (register: a new citizen of the case's desa)."""
    data: EventData
    if door.path == RegisterCase.ce_type:
        body = with_value(VALID, ("citizen", "nik"), f"320101550895{n + 1:04d}")
        data = RegisterCase.model_validate(with_value(body, ("needs",), ["PKH"]))
        topic = w.topics.intake_commands
    elif door.path == FileComplaint.ce_type:
        data = FileComplaint(case_id=w.case_id, description="Belum ada kabar dari dinas.")
        topic = w.topics.intake_commands
    else:
        data = ReferralUpdate(referral_id=w.referral_id, case_id=w.case_id, status="in_progress")
        topic = w.topics.referral_updates
    record = to_kafka(data, topic=topic, source="/tests/matrix", key=w.case_id, event_id=f"matrix-{n}")
    extra = [("authorization", authorization.encode())] if authorization is not None else []
    return KafkaRecord(record.topic, record.key, record.value, [*record.headers, *extra])


def expected_outcome(door: Door, role: Role | None, in_scope: bool) -> str:
    """What becomes of a command: intake answers (accepted, or the error type); routing applies an update or
    dead-letters it (its reason)."""
    to_intake = door.method == "slrt.intake.commands"
    if role is None:
        return "unauthorized" if to_intake else "dead: unauthorized"
    if role not in door.roles:
        return "forbidden" if to_intake else "dead: forbidden"
    if in_scope:
        return "accepted" if to_intake else "applied"
    if door.path == FileComplaint.ce_type:
        return "not_found"
    return "forbidden" if to_intake else "dead: no such referral"


async def test_every_command_door_by_role_scope_and_token(world: World) -> None:
    """Both command topics x every role x in and out of scope, and x every kind of bad token, at once."""
    sent: dict[str, str] = {}
    records = []
    for n, (door, role, in_scope) in enumerate(COMMAND_CASES):
        record = command_for(door, world, n, f"Bearer {principal_token(role, in_scope, door)}")
        records.append(record)
        sent[dict(record.headers)["ce_id"].decode()] = expected_outcome(door, role, in_scope)
    for m, (door, kind) in enumerate((d, k) for d in COMMANDS for k in bad_tokens()):
        record = command_for(door, world, 500 + m, bad_tokens()[kind])
        records.append(record)
        sent[dict(record.headers)["ce_id"].decode()] = expected_outcome(door, None, False)
    dlt = Topics.dead_letter(world.topics.referral_updates)
    async with TopicReader(world.bootstrap, world.topics.intake_replies, dlt) as reader:
        await publish(world.bootstrap, records)
        to_intake = {i for i, r in zip(sent, records, strict=True) if r.topic == world.topics.intake_commands}
        dead_expected = {i for i, outcome in sent.items() if outcome.startswith("dead:")}

        async def all_seen() -> bool:
            replied = {e.data["command_id"] for e in reader.events(world.topics.intake_replies)}
            dead = {dict(r.headers)["ce_id"].decode() for r in reader.records if r.topic == dlt}
            return to_intake <= replied and dead_expected <= dead

        await eventually(all_seen, timeout=90)
        await reader.read_to_end()
    got: dict[str, str] = {}
    for event in reader.events(world.topics.intake_replies):
        errors = event.data.get("errors") or []
        got[event.data["command_id"]] = errors[0]["type"] if errors else "accepted"
    for record in (r for r in reader.records if r.topic == dlt):
        headers = dict(record.headers)
        reason = headers["x-error-message"].decode()
        got[headers["ce_id"].decode()] = "dead: " + reason.split(":")[0]
        assert "authorization" not in headers  # a dead letter never keeps the token
    for command_id, outcome in sent.items():
        assert got.get(command_id, "applied") == outcome, (command_id, got.get(command_id))


async def test_the_referral_list_pages_and_names_each_bad_parameter(world: World) -> None:
    routing, supervisor = world.clients["routing"], principal(Role.SUPERVISOR, True)
    seen, cursor = [], None
    while True:
        page = (await routing.get("/v1/referrals", params={"limit": 1, **({"cursor": cursor} if cursor else {})},
                                  headers=supervisor)).json()
        seen += [r["referral_id"] for r in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    everything = (await routing.get("/v1/referrals", headers=supervisor)).json()["items"]
    # one page at a time, none twice (other tests of the module may have added referrals: count what is there)
    assert seen == [r["referral_id"] for r in everything] and len(set(seen)) == len(seen) >= 3
    for params, loc in (({"cursor": "not-a-cursor"}, "cursor"), ({"status": "lost"}, "status"),
                        ({"limit": 0}, "limit")):
        bad = await routing.get("/v1/referrals", params=params, headers=supervisor)
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", loc], bad.text
