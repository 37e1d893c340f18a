"""Peers and data for notification's integration tests: an SMTP server and an SMS gateway that follow a script
(answer slowly, refuse, fail), events and contacts, and a look into notification's own tables."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from typing import Any

import sqlalchemy as sa
from slrt_contracts.case_events import CaseRegistered, HouseholdInfo
from slrt_contracts.codes import Channel, DtsenStatus, Language, Level, Programme
from slrt_contracts.contacts import CaseContacts
from slrt_notification.adapters import tables as t
from slrt_notification.app import build_app
from slrt_notification.settings import NotificationSettings
from slrt_shared import db

from tests.support import eventually
from tests.support.apps import running
from tests.support.gateways import serve_in_thread
from tests.support.kafka import TopicReader
from tests.support.ports import SmtpServer

PHONE, EMAIL, NAME = "+6281234567890", "siti@example.id", "Siti Aminah"


@dataclass
class ScriptedGateway:
    """The contract's SMS gateway. Request n (from 0) is answered as ``script[n]`` says: an HTTP status, or
    ``"slow"`` (accepted, but the answer comes after ``slow_seconds``: the sender cannot know it arrived);
    after the script, 202. Like a real gateway it delivers a repeated idempotency key only once."""

    script: list[int | str] = field(default_factory=list)
    slow_seconds: float = 3.0
    port: int = 0  # bound when started
    requests: list[dict[str, Any]] = field(default_factory=list)
    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length"))
        body = json.loads(await reader.readexactly(length))
        turn = self.script[len(self.requests)] if len(self.requests) < len(self.script) else 202
        self.requests.append(body)
        if turn == "slow" or 200 <= int(turn) < 300:
            self.delivered.setdefault(body["idempotency_key"], body)
        if turn == "slow":
            await asyncio.sleep(self.slow_seconds)
            turn = 202
        writer.write(f"HTTP/1.1 {turn} X\r\ncontent-type: application/json\r\ncontent-length: 2\r\n"
                     "connection: close\r\n\r\n{}".encode())
        try:
            await writer.drain()
            writer.close()
        except ConnectionError:
            pass

    def start(self) -> ScriptedGateway:
        self.port = serve_in_thread(self._handle)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"


@dataclass
class ScriptedMailServer:
    """An SMTP server (aiosmtpd) that refuses the recipients in ``refuse`` (550) and takes the first ``slow``
    messages but answers only after ``slow_seconds``. ``attempts`` keeps every message it was given."""

    refuse: set[str] = field(default_factory=set)
    slow: int = 0
    slow_seconds: float = 3.0
    attempts: list[Message] = field(default_factory=list)
    port: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802 - aiosmtpd
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.attempts.append(message_from_bytes(envelope.content))
        if len(self.attempts) <= self.slow:
            await asyncio.sleep(self.slow_seconds)
        return "250 OK"

    def texts(self) -> list[str]:
        return [part.get_payload(decode=True).decode() for m in self.attempts for part in m.walk()
                if part.get_content_type() == "text/plain"]


@asynccontextmanager
async def mail_server(server: ScriptedMailServer) -> AsyncIterator[ScriptedMailServer]:
    controller = SmtpServer(server)
    controller.start()
    server.port = controller.port
    try:
        yield server
    finally:
        controller.stop()


def notification_settings(broker: str, prefix: str, db: str, *, smtp_port: int | None, sms_url: str | None,
                          **kw: Any) -> NotificationSettings:
    values: dict[str, Any] = dict(
        kafka_bootstrap=broker, topic_prefix=prefix, notification_database_url=db,
        smtp_host="127.0.0.1" if smtp_port else None, smtp_port=smtp_port or 25, smtp_from="slrt@example.id",
        sms_gateway_url=sms_url, sms_gateway_token="test-token", retry_first_seconds=0.05, retry_max_seconds=0.3,
        delivery_attempts=4, outbox_poll_seconds=0.05, delivery_poll_seconds=0.05)
    values.update(kw)
    return NotificationSettings(**values)


def registered(case_id: str, number: str, region: str = "32.01.01.1002") -> CaseRegistered:
    return CaseRegistered(case_id=case_id, case_number=number, region_code=region, level=Level.DESA,
                          channel=Channel.PUSKESOS, ppks=[24], needs=[Programme.PKH],
                          household=HouseholdInfo(dtsen_status=DtsenStatus.REGISTERED), citizen_ref="cit_x",
                          registered_at=datetime.now(UTC))


def contacts(case_id: str, number: str, language: Language = Language.ID, *, phone: str | None = PHONE,
             email: str | None = EMAIL) -> CaseContacts:
    return CaseContacts(case_id=case_id, case_number=number, name=NAME, phone=phone, email=email, language=language)


def new_case() -> str:
    return str(uuid.uuid4())


@asynccontextmanager
async def notification(s: NotificationSettings) -> AsyncIterator[tuple[Any, Any, TopicReader]]:
    """The service running in-process; yields (app, HTTP client, reader of slrt.notification.events)."""
    app = build_app(s)
    async with running(app) as client, TopicReader(s.kafka_bootstrap, s.topics.notification_events) as reader:
        yield app, client, reader


async def rows(app: Any, case_id: str) -> list[Any]:
    """The case's notifications as notification's database holds them."""
    async with app.state.notifier.sessions() as session:
        return list((await session.execute(sa.select(t.notifications).where(
            t.notifications.c.case_id == case_id).order_by(t.notifications.c.channel))).all())


async def rows_in(database_url: str, case_id: str) -> list[Any]:
    """The case's notifications, read straight from the database (no service running)."""
    engine = db.create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.select(t.notifications).where(
                t.notifications.c.case_id == case_id))).all())
    finally:
        await engine.dispose()


async def contacts_row(app: Any, case_id: str) -> Any:
    async with app.state.notifier.sessions() as session:
        return (await session.execute(sa.select(t.contacts).where(t.contacts.c.case_id == case_id))).first()


async def all_published(app: Any) -> bool:
    """Notification's outbox holds nothing unpublished: every outcome it recorded is on the topic."""
    async with app.state.notifier.sessions() as session:
        return not (await session.execute(sa.select(t.outbox.c.id).where(t.outbox.c.published_at.is_(None)))).first()


async def read_everything(app: Any, reader: TopicReader) -> None:
    """Before a check that an outcome was *not* published: the outbox is empty and the reader at the end."""
    await eventually(lambda: all_published(app), timeout=30)
    await reader.read_to_end()


def outcomes(reader: TopicReader, kind: str) -> list[dict[str, Any]]:
    return [e.data for e in reader.events() if e.type == f"id.slrt.notification.{kind}.v1"]


async def at_least(reader: TopicReader, kind: str, n: int) -> bool:
    return len(outcomes(reader, kind)) >= n
