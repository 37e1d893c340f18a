"""Outcomes of a send, against a real SMTP server and a real HTTP SMS gateway, on the real broker: an unknown
outcome is retried with the same key and Message-ID, a permanent refusal fails at once, a channel that is not
configured is skipped without a failure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from slrt_contracts.envelope import to_kafka
from slrt_notification.adapters import tables as t
from slrt_shared import db

from tests.integration.notification.helpers import (
    EMAIL,
    PHONE,
    ScriptedGateway,
    ScriptedMailServer,
    at_least,
    contacts,
    mail_server,
    new_case,
    notification,
    notification_settings,
    outcomes,
    read_everything,
    registered,
    rows,
    rows_in,
)
from tests.support import eventually
from tests.support.kafka import publish


async def test_an_unknown_outcome_is_retried_with_the_same_key_and_message_id_and_delivered_once(
        kafka_broker, topic_prefix, database_url) -> None:
    # both peers take the first message but answer only after the sender has given up waiting (a timeout)
    sms = ScriptedGateway(script=["slow"], slow_seconds=3).start()
    async with mail_server(ScriptedMailServer(slow=1, slow_seconds=3)) as smtp:
        s = notification_settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp_port=smtp.port,
                                  sms_url=sms.url, sms_timeout_seconds=1, smtp_timeout_seconds=1)
        case_id = new_case()
        async with notification(s) as (app, _, reader):
            await publish(kafka_broker.bootstrap, [
                to_kafka(contacts(case_id, "3201-2026-000101"), topic=s.topics.case_contacts, source="/t",
                         key=case_id),
                to_kafka(registered(case_id, "3201-2026-000101"), topic=s.topics.case_events, source="/t",
                         key=case_id)])
            await eventually(lambda: at_least(reader, "sent", 2), timeout=60)
            stored = {r.channel: r for r in await rows(app, case_id)}
    sent = outcomes(reader, "sent")
    assert sorted(d["channel"] for d in sent) == ["email", "sms"] and all(d["attempts"] == 2 for d in sent)
    # SMS: the same idempotency key twice; the gateway delivered it once
    assert [r["idempotency_key"] for r in sms.requests] == [stored["sms"].notification_id] * 2
    assert len(sms.delivered) == 1 and sms.requests[0]["to"] == PHONE
    # e-mail: SMTP cannot deduplicate, but both copies carry one Message-ID, derived from the notification id
    ids = [m["Message-ID"] for m in smtp.attempts]
    assert ids == [f"<{stored['email'].notification_id}@slrt.notification>"] * 2
    assert all(m["To"] == EMAIL for m in smtp.attempts)
    assert all(r.status == "sent" for r in stored.values())


async def test_a_permanent_refusal_fails_at_once_with_a_reason_and_the_service_stays_up(
        kafka_broker, topic_prefix, database_url) -> None:
    sms = ScriptedGateway(script=[400]).start()
    async with mail_server(ScriptedMailServer(refuse={EMAIL})) as smtp:
        s = notification_settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp_port=smtp.port,
                                  sms_url=sms.url)
        refused, accepted = new_case(), new_case()
        async with notification(s) as (app, client, reader):
            await publish(kafka_broker.bootstrap, [
                to_kafka(contacts(refused, "3201-2026-000111"), topic=s.topics.case_contacts, source="/t",
                         key=refused),
                to_kafka(registered(refused, "3201-2026-000111"), topic=s.topics.case_events, source="/t",
                         key=refused)])
            await eventually(lambda: at_least(reader, "failed", 2), timeout=60)
            await publish(kafka_broker.bootstrap, [  # the next citizen is served: the gateway now says 202
                to_kafka(contacts(accepted, "3201-2026-000112", email="budi@example.id"),
                         topic=s.topics.case_contacts, source="/t", key=accepted),
                to_kafka(registered(accepted, "3201-2026-000112"), topic=s.topics.case_events, source="/t",
                         key=accepted)])
            await eventually(lambda: at_least(reader, "sent", 2), timeout=60)
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200
            stored = await rows(app, refused)
    failed = {d["channel"]: d for d in outcomes(reader, "failed")}
    assert failed["sms"]["reason"] == "http 400" and failed["email"]["reason"] == "smtp 550"
    assert all(d["attempts"] == 1 and d["case_id"] == refused for d in failed.values())  # never retried
    assert [r["to"] for r in sms.requests].count(PHONE) == 2  # one attempt for each citizen
    assert {r.status for r in stored} == {"failed"}
    assert {m["To"] for m in smtp.attempts} == {"budi@example.id"}


async def test_a_channel_that_is_not_configured_is_skipped_not_failed(kafka_broker, topic_prefix, database_url) -> None:
    sms = ScriptedGateway().start()
    s = notification_settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp_port=None, sms_url=sms.url)
    case_id = new_case()
    async with notification(s) as (app, _, reader):
        await publish(kafka_broker.bootstrap, [
            to_kafka(contacts(case_id, "3201-2026-000121"), topic=s.topics.case_contacts, source="/t", key=case_id),
            to_kafka(registered(case_id, "3201-2026-000121"), topic=s.topics.case_events, source="/t", key=case_id)])
        await eventually(lambda: at_least(reader, "sent", 1), timeout=60)

        async def settled() -> list:
            found = await rows(app, case_id)
            return found if all(r.status != "pending" for r in found) else []
        stored = {r.channel: r for r in await eventually(settled, timeout=30)}
        await read_everything(app, reader)
    assert stored["email"].status == "skipped" and stored["email"].last_error == "email is not configured"
    assert stored["sms"].status == "sent" and len(sms.delivered) == 1
    assert outcomes(reader, "failed") == [] and [d["channel"] for d in outcomes(reader, "sent")] == ["sms"]


@pytest.mark.parametrize("attempts_allowed", [4, 1])
async def test_a_crash_during_a_send_is_recovered_with_the_same_key_or_ends_as_failed(
        kafka_broker, topic_prefix, database_url, attempts_allowed: int) -> None:
    sms = ScriptedGateway(script=["slow"], slow_seconds=30).start()  # takes the message, answers much later
    s = notification_settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp_port=None, sms_url=sms.url,
                              sms_timeout_seconds=3, smtp_timeout_seconds=1, lease_seconds=4)
    case_id = new_case()
    async with notification(s) as (app, _, _reader):
        await publish(kafka_broker.bootstrap, [
            to_kafka(contacts(case_id, "3201-2026-000131", email=None), topic=s.topics.case_contacts, source="/t",
                     key=case_id),
            to_kafka(registered(case_id, "3201-2026-000131"), topic=s.topics.case_events, source="/t", key=case_id)])
        await eventually(lambda: _is(len(sms.requests) == 1), timeout=60)
    # stopped while waiting for the gateway: sent, but no outcome recorded (as after a crash)
    [row] = [r for r in await rows_in(database_url, case_id) if r.channel == "sms"]
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, None)
    # the e-mail (no address, no SMTP) is left claimed without an outcome too, as a crash before its skip was
    # recorded would leave it: it must end skipped, not failed, since it cannot have gone out
    await _claimed_without_outcome(database_url, case_id, "email")
    after = s.model_copy(update={"delivery_attempts": attempts_allowed})
    async with notification(after) as (app, _, reader):  # the lease runs out: the row is claimed again
        kind = "sent" if attempts_allowed > 1 else "failed"
        await eventually(lambda: at_least(reader, kind, 1), timeout=60)
        [row] = [r for r in await rows(app, case_id) if r.channel == "sms"]
        email = await eventually(lambda: _settled(app, case_id, "email"), timeout=30)
        await reader.read_to_end()
    [outcome] = outcomes(reader, kind)  # the SMS's alone
    assert outcome["attempts"] == 2 and outcome["channel"] == "sms" and row.status == kind
    assert (email.status, email.last_error) == ("skipped", "email is not configured")
    if attempts_allowed > 1:  # sent again with the same key: the gateway delivered it once
        assert [r["idempotency_key"] for r in sms.requests] == [row.notification_id] * 2 and len(sms.delivered) == 1
    else:  # claimed more often than allowed without an outcome: given up, not sent again
        assert outcome["reason"] == "no outcome recorded after 1 attempts" and len(sms.requests) == 1


async def _is(value: bool) -> bool:
    return value


async def _claimed_without_outcome(database_url: str, case_id: str, channel: str) -> None:
    engine = db.create_engine(database_url)
    try:
        async with engine.begin() as conn:
            n = t.notifications
            await conn.execute(n.update().where(n.c.case_id == case_id, n.c.channel == channel).values(
                status="pending", attempts=1, last_error=None, finished_at=None, next_attempt_at=datetime.now(UTC)))
    finally:
        await engine.dispose()


async def _settled(app: Any, case_id: str, channel: str) -> Any:
    [row] = [r for r in await rows(app, case_id) if r.channel == channel]
    return row if row.status != "pending" else None
