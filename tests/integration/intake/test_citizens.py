"""GET /v1/citizens/{nik}/cases: a citizen's cases, page by page, audited; the NIK reaches no log and no span."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from slrt_intake.adapters import tables as t
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings
from slrt_shared import db
from slrt_shared.logging import configure_logging
from slrt_shared.telemetry import configure_tracing

from tests.support import eventually
from tests.support.apps import running
from tests.support.ports import listening_socket
from tests.support.tokens import admin
from tests.unit.shared.registration_rules import VALID, with_value

NIK = VALID["citizen"]["nik"]


async def register(client: httpx.AsyncClient, need: str, nik: str = NIK) -> str:
    body = with_value(with_value(VALID, ("needs",), [need]), ("citizen", "nik"), nik)
    r = await client.post("/v1/cases", json=body)
    assert r.status_code == 201
    return str(r.json()["case_id"])


async def test_a_citizen_s_cases_come_newest_first_page_by_page(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    mine = [await register(offline_intake, need) for need in ("PKH", "PIP", "ODGJ", "SEMBAKO", "RUTILAHU")]
    await register(offline_intake, "PKH", nik="3201011508950002")  # someone else
    seen: list[str] = []
    cursor = None
    for _ in range(4):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await offline_intake.get(f"/v1/citizens/{NIK}/cases", params=params)).json()
        seen += [item["case_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(mine))
    first = (await offline_intake.get(f"/v1/citizens/{NIK}/cases")).json()["items"][0]
    assert first["case_id"] == mine[-1] and first["needs"] == ["RUTILAHU"] and first["status"] == "registered"
    assert "citizen" not in first


async def test_a_citizen_without_cases_has_an_empty_list(offline_intake: httpx.AsyncClient) -> None:
    r = await offline_intake.get("/v1/citizens/3201015508950009/cases")
    assert r.json() == {"items": [], "next_cursor": None}


async def test_a_cursor_this_list_did_not_give_is_a_422(offline_intake: httpx.AsyncClient) -> None:
    r = await offline_intake.get(f"/v1/citizens/{NIK}/cases", params={"cursor": "not-a-cursor"})
    assert r.status_code == 422
    assert r.json()["detail"] == [{"loc": ["query", "cursor"], "msg": "bukan cursor dari daftar ini",
                                   "type": "cursor_invalid"}]


async def test_reading_personal_data_is_audited_by_pseudonym(
    offline_intake: httpx.AsyncClient, offline_settings: IntakeSettings
) -> None:
    case_id = await register(offline_intake, "PKH")
    await offline_intake.get(f"/v1/citizens/{NIK}/cases")
    await offline_intake.get(f"/v1/cases/{case_id}")
    await offline_intake.get("/v1/citizens/3201015508950009/cases")  # no case: the look is audited all the same
    engine = db.create_engine(offline_settings.database_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(t.audit_log).order_by(t.audit_log.c.id))).all()
    await engine.dispose()
    assert [(r.action, r.case_id) for r in rows] == [
        ("case_registered", case_id), ("citizen_cases_viewed", case_id), ("case_viewed", case_id),
        ("citizen_cases_viewed", None)]
    assert {(r.subject, r.role) for r in rows} == {("test-admin", "admin")}
    assert len({r.citizen_ref for r in rows[:3]}) == 1 and rows[0].citizen_ref.startswith("cit_")
    assert rows[3].citizen_ref.startswith("cit_") and rows[3].citizen_ref != rows[0].citizen_ref
    assert NIK not in str([tuple(r) for r in rows])


async def test_the_nik_in_the_path_is_masked_in_access_logs(
    offline_settings: IntakeSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even with uvicorn's access log switched on (``slrt serve`` keeps it off), the NIK is masked."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(service="intake", fmt="json", level="INFO")
    sock = listening_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(build_app(offline_settings), log_config=None, access_log=True))
    serving = asyncio.create_task(server.serve(sockets=[sock]))

    async def started() -> bool:
        return bool(server.started)

    try:
        await eventually(started)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=admin()) as client:
            assert (await client.get(f"/v1/citizens/{NIK}/cases")).status_code == 200
            assert (await client.get(f"/v1/citizens/{NIK[:-1]}0/cases")).status_code == 422
        server.should_exit = True
        await serving
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    logged = capsys.readouterr().err
    assert "/v1/citizens/[NIK]/cases" in logged  # the access log line is there, masked
    assert NIK not in logged and NIK[:-1] + "0" not in logged


async def test_the_nik_in_the_path_is_masked_in_spans(offline_settings: IntakeSettings) -> None:
    exporter = InMemorySpanExporter()
    provider = configure_tracing("intake", exporter=exporter)
    async with running(build_app(offline_settings)) as client:
        await client.get(f"/v1/citizens/{NIK}/cases", params={"cursor": NIK})
    provider.force_flush()
    spans = [s for s in exporter.get_finished_spans() if s.name.startswith("GET /v1/citizens/{nik}/cases")]
    assert spans, "the request made no span"
    attributes = str([dict(s.attributes or {}) for s in spans])
    assert NIK not in attributes and "/v1/citizens/[NIK]/cases" in attributes
