"""Citizens' rights (UU 27/2022): subject access (POST /v1/citizens/subject-access, JSON and a printable page)
and correction (PATCH /v1/cases/{case_id}/citizen), each in scope only and audited without personal data."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from slrt_intake.adapters import tables as t
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings
from slrt_shared import db
from slrt_shared.access.principal import Role
from slrt_shared.hardening import API_POLICY
from slrt_shared.logging import configure_logging
from slrt_shared.telemetry import configure_tracing

from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader
from tests.support.tokens import auth
from tests.unit.shared.registration_rules import VALID, with_value

NIK = VALID["citizen"]["nik"]
OTHER_NIK = "3201011508950002"
SEMARANG_DESA = "33.74.01.1001"
HERE = auth(Role.OPERATOR, "32.01.01")
ELSEWHERE = auth(Role.OPERATOR, "33.74")


async def register(client: httpx.AsyncClient, *, nik: str = NIK, need: str = "PKH", **changes: Any) -> str:
    body = with_value(with_value(VALID, ("needs",), [need]), ("citizen", "nik"), nik)
    for path, value in changes.items():
        body = with_value(body, tuple(path.split("__")), value)
    r = await client.post("/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"])


async def table(settings: IntakeSettings, which: sa.Table) -> list[Any]:
    engine = db.create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.select(which))).all())
    finally:
        await engine.dispose()


async def access(client: httpx.AsyncClient, nik: str, headers: dict[str, str] | None = None,
                 **extra: Any) -> httpx.Response:
    return await client.post("/v1/citizens/subject-access", json={"nik": nik}, headers=headers or {}, **extra)


def _without_times(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in ("requested_at", "answered_at")}


async def test_subject_access_answers_the_nik_s_cases_in_scope_with_everything_held(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    mine = await register(offline_intake)
    second = await register(offline_intake, need="PIP")
    await offline_intake.post(f"/v1/cases/{mine}/complaints", json={"description": "Rumah bocor"})
    await register(offline_intake, nik=OTHER_NIK)  # someone else
    await offline_intake.get(f"/v1/cases/{mine}", headers=HERE)  # a read, to be seen in the audit
    far = await register(offline_intake, need="SEMBAKO", address__region_code=SEMARANG_DESA)

    r = await access(offline_intake, NIK, HERE)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    answer = r.json()
    assert [c["case_id"] for c in answer["cases"]] == [mine, second]  # not the other citizen's, not Semarang's
    case = answer["cases"][0]
    assert case["citizen"]["nik"] == NIK and case["citizen"]["name"] == "Siti Aminah"
    assert case["address"]["street"] == "Jl. Melati 10" and case["description"].startswith("Belum menerima")
    assert case["complaints"][0]["description"] == "Rumah bocor" and case["status"] == "registered"
    assert case["contacts"]["value"]["phone"] == "+6281234567890" and case["contacts"]["key"] == mine
    assert [(a["action"], a["actor"]) for a in case["audit"]] == [
        ("case_registered", "test-admin"), ("complaint_filed", "test-admin"), ("case_viewed", "test-operator")]
    assert answer["citizen_ref"] == case["citizen_ref"] and answer["erasures"] == []
    assert {h["service"] for h in answer["held_elsewhere"]} == {"routing", "notification", "reporting"}

    national = (await access(offline_intake, NIK, auth(Role.ADMIN))).json()
    assert [c["case_id"] for c in national["cases"]] == [mine, second, far]

    rows = [a for a in await table(offline_settings, t.audit_log) if a.action == "subject_access"]
    assert {a.case_id for a in rows if a.subject == "test-operator"} == {mine, second}
    assert all(a.citizen_ref == answer["citizen_ref"] for a in rows)
    assert NIK not in str([tuple(a) for a in rows]) and "Siti" not in str([tuple(a) for a in rows])
    [row] = [a for a in rows if a.case_id == mine and a.subject == "test-operator"]
    assert row.detail["requested_at"] == answer["requested_at"] <= db.utc(row.at).isoformat()  # answered at once


async def test_out_of_scope_or_unknown_nik_gets_the_same_empty_answer(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    await register(offline_intake)
    out_of_scope = await access(offline_intake, NIK, ELSEWHERE)
    unknown = await access(offline_intake, "3201015508950009", ELSEWHERE)
    assert out_of_scope.status_code == unknown.status_code == 200
    assert _without_times(out_of_scope.json()) == _without_times(unknown.json())
    assert out_of_scope.json()["cases"] == [] and out_of_scope.json()["citizen_ref"] is None
    audited = [a for a in await table(offline_settings, t.audit_log) if a.action == "subject_access"]
    assert len(audited) == 2 and all(a.case_id is None and a.citizen_ref for a in audited)


async def test_subject_access_shows_an_erased_case_and_when(offline_intake: httpx.AsyncClient) -> None:
    case_id = await register(offline_intake)
    erased = (await offline_intake.delete(f"/v1/cases/{case_id}/personal-data")).json()
    answer = (await access(offline_intake, NIK)).json()
    assert answer["erasures"] == [{"case_id": case_id, "erased_at": erased["erased_at"]}]
    [case] = answer["cases"]
    assert case["citizen"]["nik"] is None and case["contacts"]["value"] is None
    assert "personal_data_erased" in [a["action"] for a in case["audit"]]


async def test_subject_access_names_a_bad_nik_and_takes_no_nik_in_the_url(offline_intake: httpx.AsyncClient) -> None:
    bad = await access(offline_intake, "1234")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "nik"]
    missing = await offline_intake.post("/v1/citizens/subject-access", json={})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "nik"]
    extra = await offline_intake.post("/v1/citizens/subject-access", json={"nik": NIK, "name": "x"})
    assert extra.status_code == 422 and extra.json()["detail"][0]["loc"] == ["body", "name"]


async def test_the_printable_page_is_self_contained_and_escapes_what_it_shows(
    offline_intake: httpx.AsyncClient
) -> None:
    await register(offline_intake, citizen__name="<script>alert(1)</script> Siti")
    r = await access(offline_intake, NIK, {"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Siti" in page
    assert "Data pribadi yang disimpan SLRT" in page and "@media print" in page and NIK in page
    assert not re.search(r"<[^>]*\b(?:src|href)\s*=|url\(|@import", page)  # nothing fetched from anywhere
    policy = r.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-") and "frame-ancestors 'none'" in policy
    assert policy != API_POLICY and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"
    empty = await access(offline_intake, OTHER_NIK, {"Accept": "text/html"})
    assert "Tidak ada kasus" in empty.text


async def test_a_correction_changes_the_record_and_queues_a_contacts_record(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    case_id = await register(offline_intake)
    other_open = await register(offline_intake, need="PIP")
    r = await offline_intake.patch(f"/v1/cases/{case_id}/citizen", headers=HERE, json={
        "phone": "0812-9876-5432", "email": "siti.baru@example.id",
        "address": {"region_code": "3201011002", "street": "Jl. Kenanga 3", "rt": None}})
    assert r.status_code == 200, r.text
    fields = ["phone", "email", "address.rt", "address.street"]
    assert r.json()["cases"] == [{"case_id": case_id, "fields": fields}, {"case_id": other_open, "fields": fields}]
    record = (await offline_intake.get(f"/v1/cases/{case_id}")).json()
    assert record["citizen"]["phone"] == "+6281298765432" and record["citizen"]["email"] == "siti.baru@example.id"
    assert record["citizen"]["name"] == "Siti Aminah"
    assert record["address"] == {"region_code": "32.01.01.1002", "rt": None, "rw": "005", "street": "Jl. Kenanga 3"}

    stored = {c.case_id: c for c in await table(offline_settings, t.cases)}
    assert "6281234567890" not in json.dumps(stored[case_id].body) and "Melati" not in json.dumps(stored[case_id].body)
    outbox = [o for o in await table(offline_settings, t.outbox) if o.topic == offline_settings.topics.case_contacts]
    mine = [json.loads(o.value) for o in outbox if o.key == case_id]
    assert len(mine) == 1 and mine[0]["phone"] == "+6281298765432" and mine[0]["email"] == "siti.baru@example.id"
    assert {"name": "Siti Aminah", "case_id": case_id}.items() <= mine[0].items()
    assert [json.loads(o.value)["phone"] for o in outbox if o.key == other_open] == ["+6281298765432"]

    audited = [a for a in await table(offline_settings, t.audit_log) if a.action == "personal_data_corrected"]
    assert {(a.case_id, a.subject) for a in audited} == {(case_id, "test-operator"), (other_open, "test-operator")}
    assert all(a.detail["fields"] == fields for a in audited)
    text = str([tuple(a) for a in audited])
    assert not [v for v in ("6281298765432", "siti.baru", "Kenanga", NIK) if v in text]
    [named] = [a for a in audited if a.case_id == case_id]
    assert "with_case" not in named.detail and named.detail["requested_at"] <= r.json()["corrected_at"]


async def test_a_correction_names_each_bad_field(offline_intake: httpx.AsyncClient) -> None:
    case_id = await register(offline_intake)
    for body, loc, kind in (
        ({"phone": "12345"}, ["body", "phone"], "phone_invalid"),
        ({"email": "siti-at-example"}, ["body", "email"], "email_invalid"),
        ({"name": None}, ["body", "name"], "name_required"),
        ({"name": "Siti\nAminah"}, ["body", "name"], "control_characters"),
        ({"address": {"rt": "1234"}}, ["body", "address", "rt"], "string_too_long"),
        ({"address": {"region_code": "99.99.99.9999"}}, ["body", "address", "region_code"], "region_unknown"),
        ({"address": {"region_code": SEMARANG_DESA}}, ["body", "address", "region_code"], "region_not_correctable"),
        ({"nik": NIK}, ["body", "nik"], "extra_forbidden"),
        ({}, ["body"], "nothing_to_correct"),
    ):
        r = await offline_intake.patch(f"/v1/cases/{case_id}/citizen", json=body)
        assert r.status_code == 422, (body, r.text)
        assert (r.json()["detail"][0]["loc"], r.json()["detail"][0]["type"]) == (loc, kind), body
    moved = await offline_intake.patch(f"/v1/cases/{case_id}/citizen", json={"address": {"region_code": SEMARANG_DESA}})
    assert "daftarkan kasus baru" in moved.json()["detail"][0]["msg"]


async def test_a_correction_of_an_erased_case_or_out_of_scope_is_refused(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    case_id = await register(offline_intake)
    out = await offline_intake.patch(f"/v1/cases/{case_id}/citizen", json={"phone": "081298765432"},
                                     headers=ELSEWHERE)
    absent = await offline_intake.patch("/v1/cases/0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40/citizen",
                                        json={"phone": "081298765432"}, headers=ELSEWHERE)
    assert (out.status_code, out.content) == (absent.status_code, absent.content) and out.status_code == 404
    await offline_intake.delete(f"/v1/cases/{case_id}/personal-data")
    erased = await offline_intake.patch(f"/v1/cases/{case_id}/citizen", json={"phone": "081298765432"})
    assert erased.status_code == 409 and erased.json()["detail"][0]["type"] == "erased"
    assert not [a for a in await table(offline_settings, t.audit_log) if a.action == "personal_data_corrected"]
    for role in (Role.OWNER, Role.ANALYST):
        refused = await offline_intake.patch(f"/v1/cases/{case_id}/citizen", json={"phone": "081298765432"},
                                             headers=auth(role, "32.01", owner="dinsos-pbi@32.01"
                                                          if role is Role.OWNER else None))
        assert refused.status_code == 403


async def test_the_corrected_contacts_reach_the_contacts_topic(online_settings: IntakeSettings, kafka_broker: Any
                                                               ) -> None:
    topic = online_settings.topics.case_contacts
    async with running(build_app(online_settings)) as client, TopicReader(kafka_broker.bootstrap, topic) as reader:
        case_id = await register(client)

        async def contacts(count: int) -> list[Any] | None:
            found = [r for r in reader.records if r.key == case_id.encode()]
            return found if len(found) >= count else None

        await eventually(lambda: contacts(1), timeout=60)
        r = await client.patch(f"/v1/cases/{case_id}/citizen", json={"phone": "081298765432", "name": "Siti A."})
        assert r.status_code == 200
        *_, latest = await eventually(lambda: contacts(2), timeout=60)
        value = json.loads(latest.value)
        assert (value["phone"], value["name"], value["email"]) == ("+6281298765432", "Siti A.", "siti@example.id")


async def test_no_nik_or_corrected_value_reaches_a_span_or_a_log(
    offline_settings: IntakeSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    exporter = InMemorySpanExporter()
    provider = configure_tracing("intake", exporter=exporter)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(service="intake", fmt="json", level="DEBUG")
    try:
        async with running(build_app(offline_settings)) as client:
            case_id = await register(client)
            exporter.clear()
            assert (await access(client, NIK)).json()["cases"]
            assert (await access(client, NIK, {"Accept": "text/html"})).status_code == 200
            assert (await access(client, NIK[:-1] + "x")).status_code == 422
            assert (await client.patch(f"/v1/cases/{case_id}/citizen", json={
                "phone": "081298765432", "email": "siti.baru@example.id"})).status_code == 200
            assert (await client.patch(f"/v1/cases/{case_id}/citizen", json={"phone": "0812x"})).status_code == 422
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    provider.force_flush()
    spans = exporter.get_finished_spans()
    assert [s for s in spans if s.name.startswith("POST /v1/citizens/subject-access")], "the request made no span"
    seen = str([(s.name, dict(s.attributes or {}), [dict(e.attributes or {}) for e in s.events]) for s in spans])
    logged = capsys.readouterr().err
    assert "http.route" in seen and logged, "span attributes and log lines were there to be searched"
    seen += logged
    assert not [v for v in (NIK, NIK[:-1], "6281298765432", "81298765432", "siti.baru", "Siti Aminah") if v in seen]
