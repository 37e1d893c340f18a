"""POST /v1/cases over HTTP: 201 with the region, Idempotency-Key, the linked open case, complaints, the record."""

from __future__ import annotations

import asyncio

import httpx
import sqlalchemy as sa
from slrt_intake.adapters import tables as t
from slrt_intake.settings import IntakeSettings
from slrt_shared import db

from tests.unit.shared.registration_rules import VALID, with_value


async def count_cases(settings: IntakeSettings) -> int:
    engine = db.create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(t.cases))).scalar_one())
    finally:
        await engine.dispose()


async def test_a_valid_registration_is_201_with_the_case_and_its_region(offline_intake: httpx.AsyncClient) -> None:
    r = await offline_intake.post("/v1/cases", json=VALID)
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "registered" and body["level"] == "desa" and body["linked"] is False
    assert body["warnings"] == [] and body["case_number"].startswith("3201-")
    record = (await offline_intake.get(f"/v1/cases/{body['case_id']}")).json()
    assert record["region"] == {
        "desa": {"code": "32.01.01.1002", "name": "Karadenan"},
        "kecamatan": {"code": "32.01.01", "name": "Cibinong"},
        "kabupaten": {"code": "32.01", "name": "Kabupaten Bogor"},
        "provinsi": {"code": "32", "name": "Jawa Barat"},
    }
    assert record["citizen"] == {"nik": "3201015508950001", "kk": "3201010101200001", "name": "Siti Aminah",
                                 "phone": "+6281234567890", "email": "siti@example.id", "language": "id"}
    assert record["needs"] == ["PKH", "PBI-JK"] and record["ppks"] == [24] and record["complaints"] == []


async def test_a_nik_from_another_kecamatan_is_a_warning_on_the_case(offline_intake: httpx.AsyncClient) -> None:
    r = await offline_intake.post("/v1/cases", json=with_value(VALID, ("address", "region_code"), "3201022001"))
    assert r.status_code == 201
    assert r.json()["warnings"] == ["citizen.nik: region_mismatch"]
    record = (await offline_intake.get(f"/v1/cases/{r.json()['case_id']}")).json()
    assert record["warnings"] == ["citizen.nik: region_mismatch"] and record["region_code"] == "32.01.02.2001"


async def test_the_same_idempotency_key_and_body_answer_the_first_response(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    key = {"Idempotency-Key": "agency-42-0001"}
    first = await offline_intake.post("/v1/cases", json=VALID, headers=key)
    again = await asyncio.gather(*(offline_intake.post("/v1/cases", json=VALID, headers=key) for _ in range(4)))
    assert first.status_code == 201
    assert all((r.status_code, r.json()) == (201, first.json()) for r in again)
    assert await count_cases(offline_settings) == 1


async def test_a_key_first_used_by_concurrent_requests_registers_one_case(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    """An agency's retry races its own first request: on PostgreSQL they really run at once. One case, and
    every answer is the first one."""
    key = {"Idempotency-Key": "agency-42-0100"}
    answers = await asyncio.gather(*(offline_intake.post("/v1/cases", json=VALID, headers=key) for _ in range(6)))
    assert {r.status_code for r in answers} == {201}, [r.text for r in answers]
    assert len({r.json()["case_id"] for r in answers}) == 1
    assert await count_cases(offline_settings) == 1


async def test_a_key_first_used_at_once_with_different_bodies_registers_one_of_them(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    """Different citizens (no common lock) under one key at the same moment: one is registered, the others are
    told the key is taken; no second case is left behind by the request that lost."""
    key = {"Idempotency-Key": "agency-42-0101"}
    niks = ["3201015508950001", "3201011508950002", "3201015508950003", "3201012001800004"]
    bodies = [with_value(VALID, ("citizen", "nik"), nik) for nik in niks]
    answers = await asyncio.gather(*(offline_intake.post("/v1/cases", json=b, headers=key) for b in bodies))
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409], [r.text for r in answers]
    assert await count_cases(offline_settings) == 1


async def test_the_same_idempotency_key_with_another_body_is_409(offline_intake: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "agency-42-0002"}
    assert (await offline_intake.post("/v1/cases", json=VALID, headers=key)).status_code == 201
    other = with_value(VALID, ("description",), "Keluhan lain.")
    r = await offline_intake.post("/v1/cases", json=other, headers=key)
    assert r.status_code == 409
    assert r.json() == {"detail": [{"loc": ["header", "Idempotency-Key"], "type": "idempotency_conflict",
                                    "msg": "Idempotency-Key ini sudah dipakai dengan isi yang lain"}]}
    r = await offline_intake.post("/v1/cases", json=other, headers=key | {"Accept-Language": "en"})
    assert r.json()["detail"][0]["msg"] == "this Idempotency-Key was used with another body"


async def test_an_open_case_for_the_same_nik_and_need_is_linked_not_duplicated(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    first = (await offline_intake.post("/v1/cases", json=VALID)).json()
    same_need = with_value(with_value(VALID, ("needs",), ["PKH"]), ("description",), "Lagi.")
    linked = await offline_intake.post("/v1/cases", json=same_need)
    assert linked.status_code == 200
    assert linked.json() == first | {"linked": True}
    other_need = with_value(VALID, ("needs",), ["PIP"])
    new = await offline_intake.post("/v1/cases", json=other_need)
    assert new.status_code == 201 and new.json()["case_id"] != first["case_id"]
    other_citizen = with_value(VALID, ("citizen", "nik"), "3201011508950002")
    assert (await offline_intake.post("/v1/cases", json=other_citizen)).status_code == 201
    assert await count_cases(offline_settings) == 3


async def test_case_numbers_count_up_per_kabupaten(offline_intake: httpx.AsyncClient) -> None:
    numbers = []
    for need in ("PKH", "PIP", "ODGJ"):
        numbers.append((await offline_intake.post("/v1/cases", json=with_value(VALID, ("needs",), [need]))).json())
    assert [n["case_number"][-6:] for n in numbers] == ["000001", "000002", "000003"]


async def test_complaints_are_filed_on_known_cases_only(offline_intake: httpx.AsyncClient) -> None:
    case_id = (await offline_intake.post("/v1/cases", json=VALID)).json()["case_id"]
    r = await offline_intake.post(f"/v1/cases/{case_id}/complaints", json={"description": "Belum ada kabar."})
    assert r.status_code == 201 and r.json()["case_id"] == case_id
    record = (await offline_intake.get(f"/v1/cases/{case_id}")).json()
    assert [c["complaint_id"] for c in record["complaints"]] == [r.json()["complaint_id"]]
    unknown = await offline_intake.post("/v1/cases/no-such-case/complaints", json={"description": "x"})
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == [{"loc": ["path", "case_id"], "msg": "kasus tidak ditemukan",
                                         "type": "not_found"}]
    bad = await offline_intake.post(f"/v1/cases/{case_id}/complaints", json={"description": ""},
                                    headers={"Accept-Language": "en"})
    assert bad.status_code == 422
    assert bad.json()["detail"] == [{"loc": ["body", "description"], "type": "string_too_short",
                                     "msg": "String should have at least 1 character"}]


async def test_unknown_and_malformed_case_ids(offline_intake: httpx.AsyncClient) -> None:
    assert (await offline_intake.get("/v1/cases/0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40")).status_code == 404
    r = await offline_intake.get("/v1/cases/%00%27")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "case_id"]
