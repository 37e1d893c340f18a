"""The development sinks of ``slrt dev``: a real SMTP server and SMS gateway that keep every message in a folder
and list them on a page; notification delivers to them as it would to real ones."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest
from slrt.sinks import run_sinks
from slrt_contracts.envelope import to_kafka
from slrt_shared.embedded_broker import port_is_free

from tests.integration.notification.helpers import (
    EMAIL,
    PHONE,
    at_least,
    contacts,
    new_case,
    notification,
    notification_settings,
    registered,
)
from tests.support import eventually
from tests.support.kafka import publish
from tests.support.ports import unused_port


@pytest.fixture
async def sinks(tmp_path: Path) -> AsyncIterator[tuple[Path, int, str]]:
    smtp_port, http_port = unused_port(), unused_port()
    task = asyncio.create_task(run_sinks(tmp_path / "sinks", smtp_port=smtp_port, http_port=http_port))
    base = f"http://127.0.0.1:{http_port}"

    async def up() -> bool:
        try:
            async with httpx.AsyncClient() as client:
                return (await client.get(base + "/")).status_code == 200
        except httpx.HTTPError:
            return False
    await eventually(up, timeout=30)
    yield tmp_path / "sinks", smtp_port, base
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert port_is_free(smtp_port) and port_is_free(http_port)  # cancelled: both servers are gone


async def test_the_sinks_keep_every_message_in_files_and_list_them(sinks: tuple[Path, int, str]) -> None:
    folder, smtp_port, base = sinks
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "slrt@example.id", EMAIL, "Kasus 3201-2026-000301 telah terdaftar"
    mail.set_content("SLRT: nomor kasus 3201-2026-000301 <b>")
    await aiosmtplib.send(mail, hostname="127.0.0.1", port=smtp_port)
    sms = {"to": PHONE, "message": "SLRT: kasus 3201-2026-000302 selesai", "idempotency_key": "../../../escape"}
    async with httpx.AsyncClient(base_url=base) as client:
        auth = {"Authorization": "Bearer dev-sms-token"}
        assert [(await client.post("/sms", json=sms, headers=auth)).status_code for _ in range(2)] == [202, 202]
        assert (await client.post("/sms", json=sms)).status_code == 401
        assert (await client.post("/sms", json={"to": PHONE}, headers=auth)).status_code == 400
        assert (await client.post("/sms", content=b"{not json", headers=auth)).status_code == 400
        page = (await client.get("/")).text
        listing = (await client.get("/messages.json")).json()
    assert len(list((folder / "mail").glob("*.eml"))) == 1
    # a repeated key is kept once, and a key that looks like a path stays inside the folder
    assert len(list((folder / "sms").glob("*.json"))) == 1
    assert not (folder / "sms" / f"{sms['idempotency_key']}.json").resolve().exists()
    assert "3201-2026-000301" in page and "3201-2026-000302" in page and "&lt;b&gt;" in page
    assert sorted(m["channel"] for m in listing) == ["E-mail", "SMS"]


async def test_notification_delivers_to_the_sinks_as_under_slrt_dev(
        kafka_broker, topic_prefix, tmp_path: Path, sinks: tuple[Path, int, str]) -> None:
    _, smtp_port, base = sinks
    s = notification_settings(kafka_broker.bootstrap, topic_prefix, f"sqlite+aiosqlite:///{tmp_path / 'n.db'}",
                              smtp_port=smtp_port, sms_url=base + "/sms", sms_gateway_token="dev-sms-token")
    case_id = new_case()
    async with notification(s) as (_, _client, reader):
        await publish(kafka_broker.bootstrap, [
            to_kafka(contacts(case_id, "3201-2026-000311"), topic=s.topics.case_contacts, source="/t", key=case_id),
            to_kafka(registered(case_id, "3201-2026-000311"), topic=s.topics.case_events, source="/t", key=case_id)])
        await eventually(lambda: at_least(reader, "sent", 2), timeout=60)
    async with httpx.AsyncClient(base_url=base) as client:
        listing = (await client.get("/messages.json")).json()
    assert {(m["channel"], m["to"]) for m in listing} == {("SMS", PHONE), ("E-mail", EMAIL)}
    assert all("3201-2026-000311" in m["text"] for m in listing)
