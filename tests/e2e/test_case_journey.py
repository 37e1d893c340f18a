"""A case registered over HTTP travels through the four services on the real broker."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import sqlalchemy as sa
from slrt.people import Population
from slrt_notification.adapters import tables as notification_tables
from slrt_shared import db

from tests.e2e.conftest import System
from tests.support import eventually
from tests.support.kafka import TopicReader
from tests.support.tokens import admin

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"

CASE = {
    "citizen": {"nik": "3201015508950001", "kk": "3201010101200001", "name": "Siti Aminah",
                "phone": "081234567890", "email": "siti@example.id"},
    "address": {"region_code": "32.01.01.1002", "rt": "003", "rw": "005", "street": "Jl. Melati 10"},
    "household": {"dtsen_status": "registered", "desil": 2},
    "ppks": [24],
    "needs": ["PKH", "PBI-JK"],
    "description": "Belum menerima bantuan PKH sejak tiga bulan.",
    "channel": "puskesos",
    "consent": True,
}
CITIZEN_EMAIL, CITIZEN_PHONE = "siti@example.id", "+6281234567890"
PERSONAL = [b"3201015508950001", b"3201010101200001", b"Siti Aminah", b"081234567890", b"6281234567890",
            b"siti@example.id", b"Melati"]


async def _reported(client: httpx.AsyncClient, system: System, case_id: str, referrals: int) -> dict[str, Any] | None:
    response = await client.get(f"{system.url('reporting')}/v1/cases/{case_id}")
    if response.status_code != 200:
        return None
    body = response.json()
    return body if len(body.get("referrals", [])) >= referrals else None


def _mails_for(system: System, case_number: str) -> list[Any]:
    found = []
    for message in system.mailbox.messages:
        text = " ".join(part.get_payload(decode=True).decode("utf-8", "replace")
                        for part in message.walk() if not part.is_multipart())
        if case_number in text or case_number in str(message.get("Subject", "")):
            found.append(message)
    return found


async def test_a_registered_case_reaches_every_service(system: System) -> None:
    topics = ["slrt.case.events", "slrt.case.contacts", "slrt.notification.events"]
    async with httpx.AsyncClient(timeout=15, headers=admin()) as client, \
            TopicReader(system.broker.bootstrap, *topics) as reader:
        created = await client.post(f"{system.url('intake')}/v1/cases", json=CASE)
        assert created.status_code == 201, created.text
        case = created.json()
        case_id, number = case["case_id"], case["case_number"]

        shown = await eventually(lambda: _reported(client, system, case_id, 2), timeout=60)
        assert shown["case_number"] == number
        assert shown["status"] == "referred" and shown["level"] == "desa"
        assert sorted(r["programme"] for r in shown["referrals"]) == ["PBI-JK", "PKH"]
        assert [t["type"] for t in shown["timeline"]][:1] == ["case.registered"]
        assert not any(p.decode() in json.dumps(shown) for p in PERSONAL)

        # the citizen is told of the registration by e-mail and SMS, once each; the programme officers' e-mails
        # and the citizen's referral notices may come before or after
        registered = await eventually(lambda: _async([m for m in _mails_for(system, number) if m["To"] ==
                                                      CITIZEN_EMAIL and "terdaftar" in str(m["Subject"])]), timeout=60)
        assert len(registered) == 1
        sms = await eventually(lambda: _async([m for m in system.sms.requests if number in m["message"]
                                               and m["to"] == CITIZEN_PHONE and "terdaftar" in m["message"]]),
                               timeout=60)
        assert len(sms) == 1  # the programme officers' SMS (from the directory) are theirs, not the citizen's

        # the case's public events arrived in order, as CloudEvents, keyed by the opaque case_id
        await eventually(lambda: _async(len(reader.events("slrt.case.events", key=case_id)) >= 3))
        events = reader.events("slrt.case.events", key=case_id)
        types = [e.type for e in events]
        assert types[0] == "id.slrt.case.registered.v1"
        assert types[1:3] == ["id.slrt.referral.dispatched.v1"] * 2
        for record in reader.records:
            if record.topic == "slrt.case.events" and record.key == case_id.encode():
                headers = dict(record.headers)
                assert {"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type"} <= set(headers)
                assert headers["traceparent"].startswith(b"00-")
        # no personal data in keys or headers anywhere; only the restricted contacts topic carries it
        await reader.read_to_end()
        _each_validates_against_its_published_schema(reader.records)
        for record in reader.records:
            exposed = (record.key or b"") + b"".join(v for _, v in record.headers)
            assert not any(p in exposed for p in PERSONAL), record.topic
            if record.topic != "slrt.case.contacts":
                assert not any(p in (record.value or b"") for p in PERSONAL), record.topic


def _each_validates_against_its_published_schema(records: list[Any]) -> None:
    """Every message on the topics is what its ``ce_dataschema`` says, by the schema in docs/schemas."""
    seen = set()
    for record in records:
        headers = {k: v.decode() for k, v in record.headers}
        document = json.loads((SCHEMAS / f"{headers['ce_type']}.json").read_text(encoding="utf-8"))
        assert headers["ce_dataschema"] == document["$id"]
        jsonschema_rs.validator_for(document).validate(json.loads(record.value))
        seen.add(headers["ce_type"])
    assert {"id.slrt.case.registered.v1", "id.slrt.referral.dispatched.v1", "id.slrt.case.contacts.v1",
            "id.slrt.notification.sent.v1"} <= seen


async def test_killing_and_restarting_services_loses_nothing_and_duplicates_nothing(system: System) -> None:
    population = Population(seed=7)
    sent: list[dict[str, Any]] = []
    async with httpx.AsyncClient(timeout=15, headers=admin()) as client, \
            TopicReader(system.broker.bootstrap, "slrt.case.events") as reader:
        async def register(n: int) -> None:
            for _ in range(n):
                body = population.registration()
                body["citizen"].pop("email", None)
                body["citizen"]["phone"] = "081234567890"
                response = await client.post(f"{system.url('intake')}/v1/cases", json=body)
                assert response.status_code == 201, response.text
                sent.append(response.json())

        await register(5)
        for victim in ("intake", "routing", "notification", "reporting"):
            system.services[victim].kill()  # SIGKILL: intake dies with outbox rows perhaps not yet published
            if victim != "intake":
                await register(5)  # the others' events wait in the broker for them
            system.services[victim].start()
            await asyncio.to_thread(system.services[victim].wait_ready)
            if victim == "intake":
                await register(5)
        await register(5)

        for case in sent:
            await eventually(lambda c=case: _reported(client, system, c["case_id"], 1), timeout=90)
        # every case is there once, each need dispatched exactly once (duplicates are dropped by the inboxes)
        listed = (await client.get(f"{system.url('reporting')}/v1/cases", params={"limit": 500})).json()
        ids = [c["case_id"] for c in listed["items"]]
        assert sorted(ids) == sorted(c["case_id"] for c in sent)
        dispatched: dict[str, set[str]] = {}
        for event in reader.events("slrt.case.events"):
            if event.type == "id.slrt.referral.dispatched.v1":
                dispatched.setdefault(event.key, set()).add(event.data["programme"])
        for case in sent:
            shown = (await client.get(f"{system.url('reporting')}/v1/cases/{case['case_id']}")).json()
            assert len(shown["referrals"]) == len(dispatched[case["case_id"]])
        # one SMS per case for registration, never two; once nothing is pending, nothing more is sent
        for case in sent:
            await eventually(lambda c=case: _async(_sms_count(system, c["case_number"]) >= 1), timeout=90)
        await eventually(lambda: _nothing_pending(system), timeout=90)
        # a retry after a crash may repeat an idempotency key (the gateway drops it); the same text under two
        # different keys would be a second SMS to the citizen
        for case in sent:
            keys_per_text: dict[str, set[str]] = {}
            for m in system.sms.requests:
                if case["case_number"] in m["message"]:
                    keys_per_text.setdefault(m["message"], set()).add(m["idempotency_key"])
            assert all(len(keys) == 1 for keys in keys_per_text.values()), keys_per_text


async def _nothing_pending(system: System) -> bool:
    """Notification has no message left to send (read from its database, as an operator would)."""
    engine = db.create_engine(system.env["SLRT_NOTIFICATION_DATABASE_URL"])
    try:
        async with engine.connect() as conn:
            pending = await conn.scalar(sa.select(sa.func.count()).select_from(notification_tables.notifications)
                                        .where(notification_tables.notifications.c.status == "pending"))
        return pending == 0
    finally:
        await engine.dispose()


def _sms_count(system: System, number: str) -> int:
    return sum(1 for m in system.sms.requests if number in m["message"])


async def _async(value: Any) -> Any:
    return value

