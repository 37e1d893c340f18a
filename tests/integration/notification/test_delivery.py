"""Notification against a real SMTP server and a real HTTP SMS gateway, on the real broker."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from slrt_contracts.case_events import CaseRegistered, HouseholdInfo, ReferralDispatched
from slrt_contracts.codes import Channel, DtsenStatus, Language, Level, Programme
from slrt_contracts.contacts import CaseContacts
from slrt_contracts.envelope import to_kafka
from slrt_notification.app import build_app
from slrt_notification.settings import NotificationSettings
from slrt_shared.logging import configure_logging
from slrt_shared.telemetry import configure_tracing

from tests.support import eventually
from tests.support.apps import running
from tests.support.gateways import Mailbox, SmsGateway
from tests.support.kafka import TopicReader, publish
from tests.support.ports import SmtpServer

PHONE, EMAIL, NAME = "+6281234567890", "siti@example.id", "Siti Aminah"


@pytest.fixture
def smtp() -> AsyncIterator[Mailbox]:
    mailbox = Mailbox()
    controller = SmtpServer(mailbox)
    controller.start()
    mailbox.port = controller.port  # type: ignore[attr-defined]
    yield mailbox
    controller.stop()


def settings(broker: str, prefix: str, db: str, smtp: Mailbox, sms: SmsGateway, **kw: object) -> NotificationSettings:
    values: dict[str, object] = dict(
        kafka_bootstrap=broker, topic_prefix=prefix, notification_database_url=db, smtp_host="127.0.0.1",
        smtp_port=smtp.port, smtp_from="slrt@example.id", sms_gateway_url=sms.url,  # type: ignore[attr-defined]
        sms_gateway_token="test-token", retry_first_seconds=0.05, retry_max_seconds=0.3, delivery_attempts=4,
        outbox_poll_seconds=0.05, delivery_poll_seconds=0.05)
    values.update(kw)
    return NotificationSettings(**values)  # type: ignore[arg-type]


def case(case_id: str, number: str) -> CaseRegistered:
    return CaseRegistered(case_id=case_id, case_number=number, region_code="32.01.01.1002", level=Level.DESA,
                          channel=Channel.PUSKESOS, ppks=[24], needs=[Programme.PKH],
                          household=HouseholdInfo(dtsen_status=DtsenStatus.REGISTERED), citizen_ref="cit_x",
                          registered_at=datetime.now(UTC))


def contacts(case_id: str, number: str, language: Language = Language.ID, **kw: str | None) -> CaseContacts:
    return CaseContacts(case_id=case_id, case_number=number, name=NAME, phone=kw.get("phone", PHONE),
                        email=kw.get("email", EMAIL), language=language)


@asynccontextmanager
async def system(s: NotificationSettings, broker: str) -> AsyncIterator[TopicReader]:
    async with system_with_client(s, broker) as (_, reader):
        yield reader


@asynccontextmanager
async def system_with_client(s: NotificationSettings, broker: str) -> AsyncIterator[tuple[Any, TopicReader]]:
    async with running(build_app(s)) as client, TopicReader(broker, s.topics.notification_events) as reader:
        yield client, reader


async def test_every_message_arrives_once_in_the_citizens_language_through_a_flaky_gateway(
        kafka_broker, topic_prefix, database_url, smtp) -> None:
    sms = SmsGateway(fail_first=2).start()
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp, sms)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    async with system(s, kafka_broker.bootstrap) as reader:
        # contacts before the event for one case, after it for the other: order between topics does not matter
        await publish(kafka_broker.bootstrap, [
            to_kafka(contacts(first, "3201-2026-000001"), topic=s.topics.case_contacts, source="/t", key=first),
            to_kafka(case(first, "3201-2026-000001"), topic=s.topics.case_events, source="/t", key=first),
            to_kafka(case(second, "3201-2026-000002"), topic=s.topics.case_events, source="/t", key=second),
            to_kafka(contacts(second, "3201-2026-000002", Language.EN), topic=s.topics.case_contacts, source="/t",
                     key=second),
        ])
        await eventually(lambda: _count(reader, "notification.sent", 4), timeout=60)
    assert len(sms.delivered) == 2 and len(sms.requests) == 4  # two refused, two retried
    texts = [m["message"] for m in sms.delivered.values()]
    indonesian = [m for m in texts if "3201-2026-000001" in m]
    assert indonesian and "terdaftar dengan nomor kasus 3201-2026-000001" in indonesian[0]
    english = [m["message"] for m in sms.delivered.values() if "3201-2026-000002" in m["message"]]
    assert english and english[0].startswith("SLRT: Your request is registered as case 3201-2026-000002")
    assert all(t == "Bearer test-token" for t in sms.tokens)
    assert NAME not in " ".join(texts)
    mails = smtp.texts()
    assert len(mails) == 2 and any("nomor kasus 3201-2026-000001" in m for m in mails)
    assert any("case 3201-2026-000002" in m for m in mails)
    assert all(m.get_content_type() == "multipart/alternative" for m in smtp.messages)
    sent = [e.data for e in reader.events() if e.type.endswith("notification.sent.v1")]
    assert sorted(d["channel"] for d in sent) == ["email", "email", "sms", "sms"]
    assert max(d["attempts"] for d in sent if d["channel"] == "sms") >= 2


async def test_the_same_event_three_times_sends_one_sms(kafka_broker, topic_prefix, database_url, smtp) -> None:
    sms = SmsGateway().start()
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp, sms)
    case_id = str(uuid.uuid4())
    event = to_kafka(case(case_id, "3201-2026-000007"), topic=s.topics.case_events, source="/t", key=case_id)
    async with system(s, kafka_broker.bootstrap) as reader:
        await publish(kafka_broker.bootstrap, [
            to_kafka(contacts(case_id, "3201-2026-000007", email=None), topic=s.topics.case_contacts, source="/t",
                     key=case_id), event, event, event])
        await eventually(lambda: _count(reader, "notification.sent", 1), timeout=60)
        # a later, different event of the same case is still sent: dedupe is per event, not per case
        dispatched = ReferralDispatched(case_id=case_id, referral_id="r1", programme=Programme.PKH,
                                        owner_id="dinsos-pkh@32.01", owner_level=Level.KABUPATEN, owner_region="32.01",
                                        rules_version="t", due_at=datetime.now(UTC), owner_name="Dinas Sosial")
        await publish(kafka_broker.bootstrap, [to_kafka(dispatched, topic=s.topics.case_events, source="/t",
                                                        key=case_id)])
        await eventually(lambda: _count(reader, "notification.sent", 2), timeout=60)
    citizen_sms = [r for r in sms.requests if r["to"] == PHONE]
    assert len(citizen_sms) == 2
    assert sum("3201-2026-000007" in r["message"] and "terdaftar" in r["message"] for r in citizen_sms) == 1


async def test_a_gateway_down_beyond_the_retry_budget_fails_visibly_and_others_flow(
        kafka_broker, topic_prefix, database_url, smtp) -> None:
    sms = SmsGateway(down=True).start()
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp, sms, delivery_attempts=3)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    async with system_with_client(s, kafka_broker.bootstrap) as (client, reader):
        await publish(kafka_broker.bootstrap, [
            to_kafka(contacts(first, "3201-2026-000011"), topic=s.topics.case_contacts, source="/t", key=first),
            to_kafka(case(first, "3201-2026-000011"), topic=s.topics.case_events, source="/t", key=first)])
        await eventually(lambda: _count(reader, "notification.failed", 1), timeout=60)
        await publish(kafka_broker.bootstrap, [
            to_kafka(contacts(second, "3201-2026-000012"), topic=s.topics.case_contacts, source="/t", key=second),
            to_kafka(case(second, "3201-2026-000012"), topic=s.topics.case_events, source="/t", key=second)])
        await eventually(lambda: _count(reader, "notification.failed", 2), timeout=60)
        await eventually(lambda: _count(reader, "notification.sent", 2), timeout=60)  # the e-mails still went out
        assert (await client.get("/healthz")).status_code == 200  # nothing crashed: alive and ready
        assert (await client.get("/readyz")).json()["status"] == "ready"
    failed = [e.data for e in reader.events() if e.type.endswith("notification.failed.v1")]
    assert {d["channel"] for d in failed} == {"sms"}
    assert all(d["attempts"] == 3 and "retries exhausted" in d["reason"] for d in failed)
    assert len(smtp.messages) == 2 and not sms.delivered


async def test_no_personal_data_in_logs_or_spans(kafka_broker, topic_prefix, database_url, smtp) -> None:
    stream = io.StringIO()
    configure_logging(service="notification", fmt="json", level="DEBUG")
    capture = logging.StreamHandler(stream)
    capture.setFormatter(logging.getLogger().handlers[0].formatter)
    logging.getLogger().addHandler(capture)
    exporter = InMemorySpanExporter()
    provider = configure_tracing("notification", exporter=exporter)
    sms = SmsGateway(fail_first=1).start()
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp, sms)
    case_id, trace_id = str(uuid.uuid4()), uuid.uuid4().hex
    traceparent = {"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"}  # the case's trace, from intake
    try:
        async with system(s, kafka_broker.bootstrap) as reader:
            await publish(kafka_broker.bootstrap, [
                to_kafka(contacts(case_id, "3201-2026-000021"), topic=s.topics.case_contacts, source="/t",
                         key=case_id),
                to_kafka(case(case_id, "3201-2026-000021"), topic=s.topics.case_events, source="/t", key=case_id,
                         trace_headers=traceparent)])
            await eventually(lambda: _count(reader, "notification.sent", 2), timeout=60)
        provider.force_flush()
    finally:
        logging.getLogger().removeHandler(capture)
    logs = stream.getvalue()
    finished = exporter.get_finished_spans()
    spans = " ".join(f"{sp.name} {dict(sp.attributes or {})} {[dict(e.attributes or {}) for e in sp.events]}"
                     for sp in finished)
    assert "notification_sent" in logs and "notification_retry" in logs and spans  # something was captured
    deliveries = [sp for sp in finished if sp.name == "notification deliver"]
    assert len(deliveries) >= 3 and {format(sp.context.trace_id, "032x") for sp in deliveries} == {trace_id}
    sent = [e for e in reader.events() if e.type.endswith("notification.sent.v1")]
    assert all(e.traceparent and trace_id in e.traceparent for e in sent)  # reporting continues the same trace
    for secret in (PHONE, "081234567890", "6281234567890", EMAIL, NAME, "3201015508950001"):
        assert secret not in logs, secret
        assert secret not in spans, secret


async def _count(reader: TopicReader, kind: str, n: int) -> bool:
    return reader.types().count(kind) >= n


async def test_officers_hear_of_new_referrals_and_supervisors_of_escalations(
        kafka_broker, topic_prefix, database_url, smtp) -> None:
    from slrt_contracts.case_events import CaseEscalated

    sms = SmsGateway().start()
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp, sms)  # the sample directory
    case_id = str(uuid.uuid4())
    dispatched = ReferralDispatched(case_id=case_id, referral_id="r1", programme=Programme.PKH,
                                    owner_id="dinsos-pkh@32.01", owner_level=Level.KABUPATEN, owner_region="32.01",
                                    rules_version="t", due_at=datetime.now(UTC), owner_name="Dinas Sosial (PKH)")
    escalated = CaseEscalated(case_id=case_id, from_level=Level.DESA, to_level=Level.KECAMATAN,
                              reason="sla_expired", deadline=datetime.now(UTC))
    async with system(s, kafka_broker.bootstrap) as reader:
        await publish(kafka_broker.bootstrap, [
            to_kafka(e, topic=s.topics.case_events, source="/t", key=case_id)
            for e in (case(case_id, "3201-2026-000031"), dispatched, escalated)])
        await eventually(lambda: _count(reader, "notification.sent", 4), timeout=60)
    recipients = {d.data["recipient"] for d in reader.events() if d.type.endswith("notification.sent.v1")}
    assert recipients == {"officer", "supervisor"}  # no contacts were published: the citizen waits
    mails = {m["To"]: m for m in smtp.messages}
    assert "Rujukan baru PKH" in mails["pkh@dinsos.bogorkab.example.id"]["Subject"]
    assert "kecamatan" in mails["supervisor.cibinong@kec.bogorkab.example.id"]["Subject"]
    assert {r["to"] for r in sms.requests} == {"+6281100003201", "+6281100320101"}
    assert all("3201-2026-000031" in r["message"] for r in sms.requests)


async def test_supervisors_get_one_daily_digest_of_the_overdue_cases_in_their_region(
        kafka_broker, topic_prefix, database_url, smtp) -> None:
    from slrt_contracts.case_events import CaseOverdue, CaseResolved
    from slrt_notification.service_layer.digest import plan_digests

    sms = SmsGateway().start()
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp, sms, digest_hour=0,
                 digest_check_seconds=3600)  # the loop's first check is an hour away: the test plans by hand
    overdue, resolved = str(uuid.uuid4()), str(uuid.uuid4())
    app = build_app(s)
    async with running(app), TopicReader(kafka_broker.bootstrap, s.topics.notification_events) as reader:
        await publish(kafka_broker.bootstrap, [
            to_kafka(e, topic=s.topics.case_events, source="/t", key=e.case_id)
            for e in (case(overdue, "3201-2026-000041"), case(resolved, "3201-2026-000042"),
                      CaseOverdue(case_id=overdue, level=Level.KABUPATEN, at=datetime.now(UTC)),
                      CaseOverdue(case_id=resolved, level=Level.KABUPATEN, at=datetime.now(UTC)),
                      CaseResolved(case_id=resolved, level=Level.KABUPATEN, at=datetime.now(UTC)))])
        # the immediate notices: each overdue case to the kabupaten's manager (e-mail only in the sample)
        await eventually(lambda: _count(reader, "notification.sent", 2), timeout=60)
        notifier = app.state.notifier
        now = datetime.now(UTC)  # one moment for both: two readings of the clock may straddle a local midnight
        planned = await plan_digests(notifier, now=now, hour=0)
        assert await plan_digests(notifier, now=now, hour=0) == 0  # once a day per region
        assert planned == 3  # 32.01.01 (e-mail and SMS) and 32.01 (e-mail); the sample's other regions have none

        async def digests() -> list:
            return [m for m in smtp.messages if "Ringkasan" in str(m["Subject"])]

        async def both() -> list | None:
            found = await digests()
            return found if len(found) >= 2 else None
        mails = await eventually(both, timeout=30)
        await eventually(lambda: _async_bool(any("lewat batas waktu di" in r["message"] for r in sms.requests)))
    assert len(await digests()) == 2
    assert {m["To"] for m in mails} == {"supervisor.cibinong@kec.bogorkab.example.id",
                                         "manajer.slrt@dinsos.bogorkab.example.id"}
    assert all("1 kasus lewat batas waktu" in str(m["Subject"]) for m in mails)
    digest_sms = [r["message"] for r in sms.requests if "lewat batas waktu di" in r["message"]]
    assert digest_sms and "3201-2026-000041" in digest_sms[0] and "3201-2026-000042" not in digest_sms[0]


async def _async_bool(value: bool) -> bool:
    return value
