"""Nothing logs a request body: a refused registration (invalid fields, or not JSON at all) leaves its access
log line and nothing of what was sent, not even masked."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
import uvicorn
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings
from slrt_shared.logging import configure_logging

from tests.support import eventually
from tests.support.ports import listening_socket
from tests.support.tokens import admin
from tests.unit.shared.registration_rules import VALID, with_value

NAME = "Zulaikha Penanda Rahasia"  # masking would not catch a name: it must never get there
NIK = "3201019999990000"  # NIK-like, refused (no such birth date, serial 0000)
STREET = "Jalan Penanda Nomor Tujuh"


async def test_a_refused_body_reaches_no_log(
    offline_settings: IntakeSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    body = with_value(with_value(with_value(VALID, ("citizen", "name"), NAME), ("citizen", "nik"), NIK),
                      ("address", "street"), STREET)
    body = with_value(body, ("household", "desil"), 42)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(service="intake", fmt="json", level="DEBUG")
    sock = listening_socket()
    server = uvicorn.Server(uvicorn.Config(build_app(offline_settings), log_config=None, access_log=True))
    serving = asyncio.create_task(server.serve(sockets=[sock]))

    async def started() -> bool:
        return bool(server.started)

    try:
        await eventually(started)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}", headers=admin()) as client:
            invalid = await client.post("/v1/cases", json=body)
            not_json = await client.post("/v1/cases", content=f'{{"citizen": {{"name": "{NAME}", "nik": "{NIK}"',
                                         headers={"content-type": "application/json"})
        server.should_exit = True
        await serving
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    assert invalid.status_code == 422 and not_json.status_code == 422
    assert {tuple(e["loc"]) for e in invalid.json()["detail"]} >= {("body", "citizen", "nik"),
                                                                    ("body", "household", "desil")}
    logged = capsys.readouterr().err
    assert logged.count('POST /v1/cases') == 2  # the requests were logged: their access lines
    for sent in (NAME, NIK, STREET, "[NIK]", "Penanda"):
        assert sent not in logged
        assert sent not in invalid.text + not_json.text
