"""Two notification instances on one database (PostgreSQL: rows claimed with FOR UPDATE SKIP LOCKED; SQLite:
one writer at a time) share the work and never send a message twice."""

from __future__ import annotations

from contextlib import AsyncExitStack

from slrt_contracts.envelope import to_kafka
from slrt_notification.app import build_app

from tests.integration.notification.helpers import (
    ScriptedGateway,
    at_least,
    contacts,
    new_case,
    notification_settings,
    outcomes,
    registered,
)
from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader, publish

CASES = 24


async def test_two_instances_send_every_message_exactly_once(kafka_broker, topic_prefix, database_url) -> None:
    sms = ScriptedGateway(script=[503, 503, 503]).start()  # a few retries in the mix, claimed again by either
    s = notification_settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp_port=None, sms_url=sms.url,
                              delivery_concurrency=4, sms_per_second=50, sms_burst=50)
    cases = {new_case(): f"3374-2026-{i:06d}" for i in range(CASES)}
    apps = [build_app(s), build_app(s)]
    async with AsyncExitStack() as stack:
        for app in apps:  # one after the other: each applies (or finds) the migrations at start
            await stack.enter_async_context(running(app))
        reader = await stack.enter_async_context(TopicReader(kafka_broker.bootstrap, s.topics.notification_events))
        await publish(kafka_broker.bootstrap, [
            record for case_id, number in cases.items() for record in (
                to_kafka(contacts(case_id, number, email=None), topic=s.topics.case_contacts, source="/t",
                         key=case_id),
                to_kafka(registered(case_id, number, region="33.74.01.1001"), topic=s.topics.case_events,
                         source="/t", key=case_id))])
        await eventually(lambda: at_least(reader, "sent", CASES), timeout=90)
        await reader.read_to_end()
    # both instances sent some of the messages
    sent_by = [app.state.notifier.outcomes["sent"] for app in apps]
    assert all(n > 0 for n in sent_by) and sum(sent_by) == CASES, sent_by
    keys = [r["idempotency_key"] for r in sms.requests]
    assert len(sms.delivered) == CASES
    assert len(keys) == CASES + 3  # every message once, plus the three refused attempts retried
    sent = outcomes(reader, "sent")
    assert len({d["notification_id"] for d in sent}) == CASES
    assert {d["case_id"] for d in sent} == set(cases)
    for case_id, number in cases.items():
        assert sum(number in m["message"] for m in sms.delivered.values()) == 1, case_id
