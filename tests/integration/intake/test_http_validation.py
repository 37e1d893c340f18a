"""Every registration rule through POST /v1/cases: 422 naming the field, Bahasa Indonesia by default, English
with ``Accept-Language: en``, never the input value. Refused bodies never reach the database, so this runs on
one app without its lifespan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings

from tests.support.ports import closed_address
from tests.support.tokens import admin
from tests.unit.shared.registration_rules import RULES, VALID, Rule, with_value


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("intake") / "never-opened.db"
    settings = IntakeSettings(intake_database_url=f"sqlite+aiosqlite:///{path}",
                              kafka_bootstrap=closed_address())
    yield TestClient(build_app(settings), headers=admin())


#: FastAPI validates a JSON body from Python objects, where a nested non-object is another pydantic error type.
HTTP_VARIANT = {"model_type": ("model_attributes_type", "Input should be a valid dictionary or object to extract "
                                                        "fields from")}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_each_rule_is_a_422_naming_the_field(client: TestClient, rule: Rule) -> None:
    indonesian = client.post("/v1/cases", json=rule.body())
    english = client.post("/v1/cases", json=rule.body(), headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert indonesian.status_code == english.status_code == 422
    loc = ["body", *rule.loc]
    type_, msg_en = HTTP_VARIANT.get(rule.type, (rule.type, rule.msg_en))
    assert indonesian.json() == {"detail": [{"loc": loc, "msg": rule.msg_id, "type": type_}]}
    assert english.json() == {"detail": [{"loc": loc, "msg": msg_en, "type": type_}]}
    assert "input" not in indonesian.text and "ctx" not in indonesian.text


def test_every_bad_field_is_named_in_one_answer(client: TestClient) -> None:
    body = with_value(with_value(VALID, ("citizen", "phone"), "12"), ("address", "region_code"), "99.99.99.9999")
    r = client.post("/v1/cases", json=body)
    assert r.status_code == 422
    assert {tuple(d["loc"]) for d in r.json()["detail"]} == {("body", "citizen", "phone"),
                                                             ("body", "address", "region_code")}


@pytest.mark.parametrize(("content", "type_", "msg"), [
    (b"{not json", "json_invalid", "JSON tidak valid"),
    (b"[1, 2]", "model_attributes_type", "harus berupa objek"),
    (b"", "missing", "wajib diisi"),
])
def test_a_body_that_is_not_an_object_is_a_422(client: TestClient, content: bytes, type_: str, msg: str) -> None:
    r = client.post("/v1/cases", content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    [item] = r.json()["detail"]
    assert (item["type"], item["msg"]) == (type_, msg)


def test_a_citizen_s_cases_need_a_valid_nik(client: TestClient) -> None:
    r = client.get("/v1/citizens/3201015508950000/cases")
    assert r.status_code == 422
    assert r.json() == {"detail": [{"loc": ["path", "nik"], "msg": "nomor urut NIK tidak boleh 0000",
                                    "type": "nik_serial"}]}
    r = client.get("/v1/citizens/32010155/cases", headers={"Accept-Language": "en"})
    assert r.json() == {"detail": [{"loc": ["path", "nik"], "msg": "NIK must be exactly 16 digits",
                                    "type": "nik_format"}]}
    r = client.get("/v1/citizens/3201015508950001/cases?limit=501")
    assert r.json() == {"detail": [{"loc": ["query", "limit"], "msg": "paling besar 500", "type": "less_than_equal"}]}
