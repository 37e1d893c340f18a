"""DELETE /v1/cases/{case_id}/personal-data: intake forgets the citizen and the outbox carries a tombstone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from slrt_intake.adapters import tables as t
from slrt_intake.app import build_app
from slrt_intake.service_layer import retention
from slrt_intake.settings import IntakeSettings
from slrt_shared import db

from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader
from tests.unit.shared.registration_rules import VALID, with_value

PERSONAL = ("3201015508950001", "3201010101200001", "Siti Aminah", "6281234567890", "siti@example.id",
            "Jl. Melati 10", "Belum menerima bantuan", "Rumah bocor")


async def stored(settings: IntakeSettings) -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
    engine = db.create_engine(settings.database_url)
    async with engine.connect() as conn:
        rows = [tuple(r) for r in (await conn.execute(sa.select(t.cases, t.complaints).outerjoin(t.complaints)))]
        outbox = [tuple(r) for r in (await conn.execute(sa.select(t.outbox.c.topic, t.outbox.c.key, t.outbox.c.value)
                                                        .order_by(t.outbox.c.id)))]
    await engine.dispose()
    return rows, outbox


async def test_erasure_blanks_personal_data_and_queues_one_tombstone(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    case_id = (await offline_intake.post("/v1/cases", json=VALID)).json()["case_id"]
    await offline_intake.post(f"/v1/cases/{case_id}/complaints", json={"description": "Rumah bocor"})
    rows, outbox = await stored(offline_settings)
    assert all(value in str(rows) for value in PERSONAL)  # the check below can see them when they are there
    assert "Siti Aminah" in str(outbox)  # the contacts record waits in the outbox (no broker here)

    erased = await offline_intake.delete(f"/v1/cases/{case_id}/personal-data")
    assert erased.status_code == 200 and erased.json()["case_id"] == case_id
    again = await offline_intake.delete(f"/v1/cases/{case_id}/personal-data")
    assert again.json() == erased.json()

    rows, outbox = await stored(offline_settings)
    assert not [value for value in PERSONAL if value in str(rows) + str(outbox)]
    contacts = [(key, value) for topic, key, value in outbox if topic == offline_settings.topics.case_contacts]
    assert contacts[-1] == (case_id, None) and len([c for c in contacts if c[1] is None]) == 1

    record = (await offline_intake.get(f"/v1/cases/{case_id}")).json()
    assert record["citizen"] == {"nik": None, "kk": None, "name": None, "phone": None, "email": None,
                                 "language": "id"}
    assert record["address"] == {"region_code": "32.01.01.1002"} and record["description"] is None
    assert record["erased_at"] == erased.json()["erased_at"]
    assert record["region"]["desa"]["code"] == "32.01.01.1002" and record["needs"] == ["PKH", "PBI-JK"]
    lookup = await offline_intake.get("/v1/citizens/3201015508950001/cases")
    assert lookup.json()["items"] == []


async def test_erasing_an_unknown_case_is_404(offline_intake: httpx.AsyncClient) -> None:
    r = await offline_intake.delete("/v1/cases/0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40/personal-data")
    assert r.status_code == 404 and r.json()["detail"][0]["type"] == "not_found"


async def test_the_tombstone_reaches_the_contacts_topic(online_settings: IntakeSettings, kafka_broker: Any) -> None:
    topic = online_settings.topics.case_contacts
    async with running(build_app(online_settings)) as client, TopicReader(kafka_broker.bootstrap, topic) as reader:
        case_id = (await client.post("/v1/cases", json=VALID)).json()["case_id"]

        async def contacts() -> list[Any]:
            return [r for r in reader.records if r.key == case_id.encode()]

        [record] = await eventually(contacts, timeout=60)
        assert json.loads(record.value)["name"] == "Siti Aminah"
        assert (await client.delete(f"/v1/cases/{case_id}/personal-data")).status_code == 200

        async def erased() -> list[Any] | None:
            found = await contacts()
            return found if len(found) == 2 else None

        _, tombstone = await eventually(erased, timeout=60)
        assert tombstone.value is None and tombstone.key == case_id.encode()
        assert not [k for k, _ in tombstone.headers if k.startswith("ce_")]


def _queued_events(outbox: list[tuple], topic: str) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[type-arg]
    return [(key, json.loads(value)) for t_, key, value in outbox if t_ == topic and value is not None]


async def test_erasing_a_citizen_erases_each_of_their_cases_and_announces_it(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    first = (await offline_intake.post("/v1/cases", json=VALID)).json()["case_id"]
    second = (await offline_intake.post("/v1/cases", json=with_value(VALID, ("needs",), ["PIP"]))).json()["case_id"]
    other = (await offline_intake.post("/v1/cases", json=with_value(VALID, ("citizen", "nik"),
                                                                     "3201015508950003"))).json()["case_id"]
    assert len({first, second, other}) == 3

    erased = await offline_intake.post("/v1/citizens/erasure", json={"nik": VALID["citizen"]["nik"],
                                                                      "reason": "consent_withdrawn"})
    assert erased.status_code == 200, erased.text
    assert sorted(e["case_id"] for e in erased.json()["erased"]) == sorted([first, second])
    assert erased.json()["reason"] == "consent_withdrawn"
    again = await offline_intake.post("/v1/citizens/erasure", json={"nik": VALID["citizen"]["nik"],
                                                                     "reason": "consent_withdrawn"})
    assert again.json() == erased.json()  # the first erasure, nothing published twice

    _, outbox = await stored(offline_settings)
    announced = _queued_events(outbox, offline_settings.topics.case_events)
    erasures = [(key, data) for key, data in announced if "reason" in data and "at" in data]
    assert sorted(key for key, _ in erasures) == sorted([first, second])
    assert all(data == {"case_id": key, "reason": "consent_withdrawn", "at": data["at"]} for key, data in erasures)
    assert (await offline_intake.get(f"/v1/cases/{other}")).json()["citizen"]["name"] == "Siti Aminah"
    for case_id in (first, second):
        assert (await offline_intake.get(f"/v1/cases/{case_id}")).json()["citizen"]["nik"] is None


async def test_erasing_an_unknown_citizen_answers_an_empty_list(offline_intake: httpx.AsyncClient) -> None:
    r = await offline_intake.post("/v1/citizens/erasure", json={"nik": "3201011508950002", "reason": "retention"})
    assert r.status_code == 200 and r.json() == {"erased": [], "reason": "retention"}
    bad = await offline_intake.post("/v1/citizens/erasure", json={"nik": "3201011508950002", "reason": "bosan"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "reason"]


async def test_cases_closed_longer_than_the_retention_are_erased(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    old = (await offline_intake.post("/v1/cases", json=VALID)).json()["case_id"]
    recent = (await offline_intake.post("/v1/cases", json=with_value(VALID, ("needs",), ["PIP"]))).json()["case_id"]
    still_open = (await offline_intake.post("/v1/cases", json=with_value(VALID, ("citizen", "nik"),
                                                                          "3201015508950003"))).json()["case_id"]
    assert len({old, recent, still_open}) == 3
    now = datetime.now(UTC)
    engine = db.create_engine(offline_settings.database_url)
    async with engine.begin() as conn:
        for case_id, closed in ((old, now - timedelta(days=31)), (recent, now - timedelta(days=29))):
            await conn.execute(t.cases.update().where(t.cases.c.case_id == case_id)
                               .values(status="closed", status_changed_at=closed))
        await conn.execute(t.cases.update().where(t.cases.c.case_id == still_open)
                           .values(status_changed_at=now - timedelta(days=400)))
    sessions = db.session_factory(engine)
    erased = await retention.sweep_once(sessions=sessions, topics=offline_settings.topics, keep=timedelta(days=30),
                                        batch=1)
    assert erased == 1
    assert await retention.sweep_once(sessions=sessions, topics=offline_settings.topics,
                                      keep=timedelta(days=30)) == 0
    await engine.dispose()
    names = {c: (await offline_intake.get(f"/v1/cases/{c}")).json()["citizen"]["name"]
             for c in (old, recent, still_open)}
    assert names == {old: None, recent: "Siti Aminah", still_open: "Siti Aminah"}
    _, outbox = await stored(offline_settings)
    assert [(k, d["reason"]) for k, d in _queued_events(outbox, offline_settings.topics.case_events)
            if "reason" in d and "at" in d] == [(old, "retention")]
