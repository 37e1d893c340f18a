"""POST /v1/citizens/search: cases by the citizen's name, ignoring case, within the caller's scope, audited per case
shown; LIKE's own characters are taken literally; erased cases are never found."""

from __future__ import annotations

import httpx
from slrt_shared.access.principal import Role

from tests.integration.intake.test_citizens import register
from tests.support.tokens import token
from tests.unit.shared.registration_rules import VALID, with_value


async def named(client: httpx.AsyncClient, name: str, nik: str, region: str = "32.01.01.1002") -> str:
    body = with_value(with_value(with_value(VALID, ("citizen", "name"), name), ("citizen", "nik"), nik),
                      ("address", "region_code"), region)
    r = await client.post("/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"])


async def test_cases_are_found_by_a_part_of_the_name_in_scope_only(offline_intake: httpx.AsyncClient) -> None:
    siti = await named(offline_intake, "Siti Aminah", "3201015508950001")
    await named(offline_intake, "Budi Santoso", "3201011508950002")
    elsewhere = await named(offline_intake, "Siti Rahayu", "3201015508950003", region="32.01.01.1003")
    found = await offline_intake.post("/v1/citizens/search", json={"name": "siti"})
    assert found.status_code == 200
    assert {i["case_id"]: i["name"] for i in found.json()["items"]} == {siti: "Siti Aminah", elsewhere: "Siti Rahayu"}
    desk = {"authorization": f"Bearer {token(Role.OPERATOR, '32.01.01.1002')}"}
    mine = (await offline_intake.post("/v1/citizens/search", json={"name": "SITI"}, headers=desk)).json()
    assert [i["case_id"] for i in mine["items"]] == [siti] and mine["more"] is False
    assert (await offline_intake.post("/v1/citizens/search", json={"name": "%"}, headers=desk)).status_code == 422
    literal = await offline_intake.post("/v1/citizens/search", json={"name": "a%n"}, headers=desk)
    assert literal.json()["items"] == []  # % is a letter here, not a wildcard
    analyst = {"authorization": f"Bearer {token(Role.ANALYST, 'nasional')}"}
    assert (await offline_intake.post("/v1/citizens/search", json={"name": "siti"},
                                      headers=analyst)).status_code == 403
    short = await offline_intake.post("/v1/citizens/search", json={"name": "si"})
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["body", "name"]

    audit = (await offline_intake.get("/v1/audit", params={"case_id": siti})).json()["items"]
    rows = [e for e in audit if e["action"] == "cases_found_by_name"]
    assert len(rows) == 2 and "Siti" not in str(rows) and "siti" not in str(rows).lower().replace("cit_", "")


async def test_an_erased_case_is_not_found_by_name(offline_intake: httpx.AsyncClient) -> None:
    case_id = await register(offline_intake, "PKH")
    assert (await offline_intake.delete(f"/v1/cases/{case_id}/personal-data")).status_code == 200
    found = (await offline_intake.post("/v1/citizens/search", json={"name": "Aminah"})).json()
    assert case_id not in [i["case_id"] for i in found["items"]]
