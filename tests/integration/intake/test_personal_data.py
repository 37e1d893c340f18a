"""DELETE /v1/cases/{case_id}/personal-data: intake forgets the citizen and the outbox carries a tombstone."""

from __future__ import annotations

import json
from typing import Any

import httpx
import sqlalchemy as sa
from slrt_intake.adapters import tables as t
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings
from slrt_shared import db

from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader
from tests.unit.shared.registration_rules import VALID

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
