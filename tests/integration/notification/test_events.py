"""What notification does with what it reads, on the real broker: poison events go to the dead letters and
the rest flows, a tombstone erases a case's contacts, the rules file decides who is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from slrt_contracts.case_events import CaseResolved, ReferralDispatched
from slrt_contracts.codes import Level, Programme
from slrt_contracts.envelope import KafkaRecord, to_kafka
from slrt_contracts.topics import Topics
from slrt_notification.service_layer.delivery import skip_unreachable

from tests.integration.notification.helpers import (
    NAME,
    PHONE,
    ScriptedGateway,
    ScriptedMailServer,
    at_least,
    contacts,
    contacts_row,
    mail_server,
    new_case,
    notification,
    notification_settings,
    read_everything,
    registered,
    rows,
)
from tests.support import eventually
from tests.support.kafka import TopicReader, publish


def _headers(ce_type: str) -> list[tuple[str, bytes]]:
    return [("ce_specversion", b"1.0"), ("ce_id", ce_type.encode() + b"-poison"), ("ce_source", b"/t"),
            ("ce_type", ce_type.encode()), ("content-type", b"application/json")]


async def test_poison_events_are_dead_lettered_without_personal_data_and_the_rest_flows(
        kafka_broker, topic_prefix, database_url) -> None:
    sms = ScriptedGateway().start()
    s = notification_settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp_port=None, sms_url=sms.url)
    bad, good = new_case(), new_case()
    events, contacts_topic = s.topics.case_events, s.topics.case_contacts
    poison = [
        KafkaRecord(events, bad.encode(), b'{"case_id": "' + bad.encode() + b'"}',  # no case number, no region
                    _headers("id.slrt.case.registered.v1")),
        KafkaRecord(events, bad.encode(), b"{not json", _headers("id.slrt.case.resolved.v1")),
        KafkaRecord(contacts_topic, bad.encode(), f'{{"case_id": "{bad}", "phone": "{PHONE}"}}'.encode(),  # no name
                    _headers("id.slrt.case.contacts.v1")),
    ]
    dead = (Topics.dead_letter(events), Topics.dead_letter(contacts_topic))
    async with notification(s) as (_, _client, reader), TopicReader(kafka_broker.bootstrap, *dead) as dlt:
        await publish(kafka_broker.bootstrap, [
            *poison,
            to_kafka(contacts(good, "3201-2026-000201", email=None), topic=contacts_topic, source="/t", key=good),
            to_kafka(registered(good, "3201-2026-000201"), topic=events, source="/t", key=good)])
        await eventually(lambda: at_least(reader, "sent", 1), timeout=60)
        await eventually(lambda: _is(len(dlt.records) >= 3), timeout=60)
    assert [r["idempotency_key"] for r in sms.requests] and all("000201" in r["message"] for r in sms.requests)
    by_topic = {r.topic: r for r in dlt.records}
    assert len(dlt.records) == 3 and set(by_topic) == set(dead)
    for record in dlt.records:
        headers = dict(record.headers)
        assert headers["x-error-type"] in (b"ValidationError", b"EnvelopeError")
        assert headers["x-original-topic"] in (events.encode(), contacts_topic.encode())
        assert PHONE.encode() not in b" ".join(headers.values()) and NAME.encode() not in b" ".join(headers.values())
    assert by_topic[Topics.dead_letter(contacts_topic)].value == poison[2].value  # the original value, kept


async def test_a_tombstone_erases_the_contacts_and_drops_what_was_waiting_for_them(
        kafka_broker, topic_prefix, database_url) -> None:
    sms = ScriptedGateway().start()
    s = notification_settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp_port=None, sms_url=sms.url)
    known, waiting = new_case(), new_case()
    contacts_topic = s.topics.case_contacts
    async with notification(s) as (app, _, reader):
        await publish(kafka_broker.bootstrap, [
            to_kafka(contacts(known, "3201-2026-000211"), topic=contacts_topic, source="/t", key=known),
            to_kafka(registered(waiting, "3201-2026-000212"), topic=s.topics.case_events, source="/t", key=waiting)])
        assert (await eventually(lambda: contacts_row(app, known), timeout=60)).phone == PHONE
        assert {r.status for r in await eventually(lambda: rows(app, waiting), timeout=60)} == {"pending"}
        await publish(kafka_broker.bootstrap, [KafkaRecord(contacts_topic, key.encode(), None, [])
                                               for key in (known, waiting)])  # erasure: tombstones

        async def erased() -> bool:
            dropped = {r.status for r in await rows(app, waiting)} == {"skipped"}
            return dropped and await contacts_row(app, known) is None
        await eventually(erased, timeout=60)
        assert {r.last_error for r in await rows(app, waiting)} == {"personal data erased"}
        await read_everything(app, reader)
    assert sms.requests == [] and reader.events() == []


async def test_a_citizen_message_does_not_wait_for_contacts_for_ever(kafka_broker, topic_prefix, database_url) -> None:
    s = notification_settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp_port=None,
                              sms_url=ScriptedGateway().start().url, contacts_wait_seconds=3600)
    never, soon = new_case(), new_case()
    async with notification(s) as (app, _, _reader):
        await publish(kafka_broker.bootstrap, [
            to_kafka(registered(case_id, number), topic=s.topics.case_events, source="/t", key=case_id)
            for case_id, number in ((never, "3201-2026-000221"), (soon, "3201-2026-000222"))])
        await eventually(lambda: _both_planned(app, never, soon), timeout=60)
        notifier = app.state.notifier
        assert await skip_unreachable(notifier, now=datetime.now(UTC)) == 0  # within the wait: still waiting
        notifier.contacts_wait_seconds = 0  # as if the wait had passed (contacts for `soon` arrive in time)
        await publish(kafka_broker.bootstrap, [to_kafka(contacts(soon, "3201-2026-000222"),
                                                        topic=s.topics.case_contacts, source="/t", key=soon)])
        await eventually(lambda: contacts_row(app, soon), timeout=60)
        assert {r.status for r in await rows(app, never)} == {"pending"}
        await skip_unreachable(notifier, now=datetime.now(UTC) + timedelta(seconds=1))
        assert {(r.status, r.last_error) for r in await rows(app, never)} == {("skipped", "no contacts for the case")}
        assert "no contacts for the case" not in {r.last_error for r in await rows(app, soon)}


async def test_the_rules_file_decides_who_is_told_and_by_which_channel(
        kafka_broker, topic_prefix, database_url, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: test-1\nevents:\n"
                     "  id.slrt.case.registered.v1:\n    - {recipient: citizen, template: case_registered, "
                     "channels: [email]}\n"
                     "  id.slrt.case.resolved.v1:\n    - {recipient: citizen, template: case_resolved}\n")
    sms = ScriptedGateway().start()
    async with mail_server(ScriptedMailServer()) as smtp:
        s = notification_settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp_port=smtp.port,
                                  sms_url=sms.url, notification_rules_file=rules)
        case_id = new_case()
        dispatched = ReferralDispatched(case_id=case_id, referral_id="r1", programme=Programme.PKH,
                                        owner_id="dinsos-pkh@32.01", owner_level=Level.KABUPATEN,
                                        owner_region="32.01", rules_version="t", due_at=datetime.now(UTC))
        resolved = CaseResolved(case_id=case_id, level=Level.DESA, at=datetime.now(UTC))
        async with notification(s) as (app, _, reader):
            await publish(kafka_broker.bootstrap, [
                to_kafka(contacts(case_id, "3201-2026-000231"), topic=s.topics.case_contacts, source="/t",
                         key=case_id),
                *[to_kafka(e, topic=s.topics.case_events, source="/t", key=case_id)
                  for e in (registered(case_id, "3201-2026-000231"), dispatched, resolved)]])
            await eventually(lambda: at_least(reader, "sent", 3), timeout=60)
            planned = sorted((r.template, r.channel) for r in await rows(app, case_id))
    assert planned == [("case_registered", "email"), ("case_resolved", "email"), ("case_resolved", "sms")]
    assert [r["message"] for r in sms.requests] == [sms.requests[0]["message"]]
    assert "3201-2026-000231 telah selesai" in sms.requests[0]["message"]
    assert len(smtp.attempts) == 2 and not any("pkh@dinsos" in str(m["To"]) for m in smtp.attempts)


async def _both_planned(app, *case_ids: str) -> bool:  # type: ignore[no-untyped-def]
    for case_id in case_ids:
        if len(await rows(app, case_id)) != 2:
            return False
    return True


async def _is(value: bool) -> bool:
    return value
