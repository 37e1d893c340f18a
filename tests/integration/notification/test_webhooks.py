"""Webhooks on the real broker, to a real HTTP receiver: a subscriber that cannot run a Kafka consumer hears
of its region's case events, once each, in per-case order, signed per Standard Webhooks; a receiver down for a
minute loses nothing; one failing for long is paused and its owner told; out of its region, nothing."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from slrt_contracts.case_events import CaseEscalated, ReferralDispatched
from slrt_contracts.codes import Level, Programme
from slrt_contracts.envelope import to_kafka
from slrt_contracts.webhooks import WebhookVerificationError, from_http, verify
from slrt_notification.app import build_app
from slrt_shared.access.principal import Role
from slrt_shared.telemetry import configure_tracing

from tests.integration.notification.test_delivery import case, settings, smtp  # noqa: F401 - the smtp fixture
from tests.support import eventually
from tests.support.apps import running
from tests.support.gateways import Mailbox, SmsGateway
from tests.support.kafka import publish
from tests.support.tokens import token
from tests.support.webhook_receiver import WebhookReceiver

TYPES = ["id.slrt.case.registered.v1", "id.slrt.referral.dispatched.v1", "id.slrt.case.escalated.v1"]


def _events(case_id: str, number: str) -> list[Any]:
    dispatched = [ReferralDispatched(case_id=case_id, referral_id=f"r{i}-{case_id[:8]}", programme=Programme.PKH,
                                     owner_id="dinsos-pkh@32.01", owner_level=Level.KABUPATEN, owner_region="32.01",
                                     rules_version="t", due_at=datetime.now(UTC), owner_name="Dinas Sosial")
                  for i in range(2)]
    escalated = CaseEscalated(case_id=case_id, from_level=Level.DESA, to_level=Level.KECAMATAN, reason="sla_expired",
                              deadline=datetime.now(UTC))
    return [case(case_id, number), *dispatched, escalated]


async def _publish_cases(s: Any, bootstrap: str, numbers: list[str], *,
                         traceparent: str | None = None) -> dict[str, list[str]]:
    """Each case's events on the topic, in order (in the trace ``traceparent`` names, if given); returns the
    ``ce_id``s per case."""
    sent: dict[str, list[str]] = {}
    records = []
    for number in numbers:
        case_id = str(uuid.uuid4())
        for event in _events(case_id, number):
            record = to_kafka(event, topic=s.topics.case_events, source="/slrt/test", key=case_id,
                              trace_headers={"traceparent": traceparent} if traceparent else None)
            records.append(record)
            sent.setdefault(case_id, []).append(dict(record.headers)["ce_id"].decode())
    await publish(bootstrap, records)
    return sent


def _by_case(received: list[Any], secret: str) -> dict[str, list[str]]:
    got: dict[str, list[str]] = defaultdict(list)
    for r in received:
        event = from_http(r.headers, r.body, secret=secret)  # raises on a bad signature
        got[event.data["case_id"]].append(event.id)
    return got


@pytest.mark.timeout(240)
# A minute of outage is a minute of wall time: on PostgreSQL only (production's database); the other webhook
# tests run the same delivery code on both databases.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_receiver_down_for_a_minute_gets_every_event_afterwards_once_in_order(
        kafka_broker, topic_prefix, database_url, smtp: Mailbox) -> None:  # noqa: F811
    receiver = WebhookReceiver().up()
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp, SmsGateway().start(),
                 webhook_retry_first_seconds=0.2, webhook_retry_max_seconds=2, webhook_poll_seconds=0.1)
    operator = {"Authorization": f"Bearer {token(Role.OPERATOR, '32.01.01')}"}
    async with running(build_app(s), headers=operator) as client:
        created = await client.post("/v1/subscriptions", json={"url": receiver.url, "types": TYPES,
                                                               "region": "32.01.01"})
        assert created.status_code == 201, created.text
        subscription, secret = created.json()["id"], created.json()["secret"]
        listed = (await client.get("/v1/subscriptions")).json()["items"]
        assert secret.startswith("whsec_") and [i["id"] for i in listed] == [subscription]
        assert "secret" not in listed[0]
        await asyncio.sleep(1)  # the consumer group has joined; the instance knows it has a subscriber

        before = await _publish_cases(s, kafka_broker.bootstrap, ["3201-2026-000101"])
        await eventually(lambda: _async(len(receiver.received) >= 4), timeout=60)

        receiver.down()  # a minute without the receiver: the events of three more cases wait, in order
        during = await _publish_cases(s, kafka_broker.bootstrap, ["3201-2026-000102", "3201-2026-000103",
                                                                   "3201-2026-000104"])
        await asyncio.sleep(60)
        listed = (await client.get(f"/v1/subscriptions/{subscription}/deliveries")).json()["items"]
        waiting = [d for d in listed if d["status"] == "pending"]
        assert len(waiting) == 12 and any(d["attempts"] >= 2 and d["last_error"] for d in waiting)
        receiver.up()

        await eventually(lambda: _async(len(receiver.received) >= 16), timeout=60, interval=0.2)
        await asyncio.sleep(2)  # nothing more comes: each event once
        delivered = (await client.get(f"/v1/subscriptions/{subscription}/deliveries",
                                      params={"limit": 100})).json()["items"]
    receiver.down()
    assert len(receiver.received) == 16 and {d["status"] for d in delivered} == {"delivered"}
    assert _by_case(receiver.received, secret) == {**before, **during}  # every event, once, in each case's order
    first = receiver.received[0]
    assert first.headers["content-type"] == "application/json" and first.headers["ce-specversion"] == "1.0"
    assert first.headers["webhook-id"] == first.headers["ce-id"]
    assert first.headers["ce-dataschema"] == f"urn:slrt:schema:{first.headers['ce-type']}"
    with pytest.raises(WebhookVerificationError):  # a tampered delivery fails verification
        verify(secret, first.headers, first.body.replace(b"32.01.01.1002", b"32.01.01.1003"))
    assert "citizen_ref" in json.loads(first.body)  # an operator's deliveries are the events' data


async def test_a_subscription_failing_for_long_is_paused_its_owner_told_and_resumed(
        kafka_broker, topic_prefix, database_url, smtp: Mailbox) -> None:  # noqa: F811
    receiver = WebhookReceiver(status=503).up()
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp, SmsGateway().start(),
                 webhook_retry_first_seconds=0.2, webhook_retry_max_seconds=0.5, webhook_pause_after_seconds=2,
                 webhook_poll_seconds=0.1)
    analyst = {"Authorization": f"Bearer {token(Role.ANALYST, '32')}"}
    async with running(build_app(s), headers=analyst) as client:
        created = (await client.post("/v1/subscriptions", json={
            "url": receiver.url, "types": TYPES, "region": "32", "contact_email": "integrasi@dinsos.example.id"}))
        assert created.status_code == 201, created.text
        subscription, secret = created.json()["id"], created.json()["secret"]
        await asyncio.sleep(1)
        sent = await _publish_cases(s, kafka_broker.bootstrap, ["3201-2026-000201"])

        async def paused() -> bool:
            return (await client.get(f"/v1/subscriptions/{subscription}")).json()["status"] == "paused"

        await eventually(paused, timeout=60)
        await eventually(lambda: _async([m for m in smtp.messages if m["To"] == "integrasi@dinsos.example.id"]),
                         timeout=30)
        refused = receiver.refused
        await asyncio.sleep(1.5)
        assert receiver.refused == refused, "a paused subscription is not tried"
        receiver.status = 204
        resumed = await client.post(f"/v1/subscriptions/{subscription}/resume")
        assert resumed.status_code == 200 and resumed.json()["status"] == "active"
        await eventually(lambda: _async(len(receiver.received) >= 4), timeout=60)
        assert (await client.delete(f"/v1/subscriptions/{subscription}")).status_code == 200
        assert (await client.get(f"/v1/subscriptions/{subscription}")).status_code == 404
    receiver.down()
    assert _by_case(receiver.received, secret) == sent
    for r in receiver.received:  # an analyst's deliveries carry no pseudonym, household, PPKS or free text
        assert not {"citizen_ref", "household", "ppks"} & set(json.loads(r.body))


async def test_a_subscription_is_its_caller_s_within_its_scope(kafka_broker, topic_prefix, database_url,
                                                               smtp: Mailbox) -> None:  # noqa: F811
    receiver = WebhookReceiver().up()
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp, SmsGateway().start(),
                 webhook_poll_seconds=0.1)
    here = {"Authorization": f"Bearer {token(Role.OPERATOR, '32.01.01')}"}
    async with running(build_app(s), headers=here) as client:
        outside = await client.post("/v1/subscriptions", json={"url": receiver.url, "types": TYPES, "region": "33"})
        assert outside.status_code == 403 and outside.json()["detail"][0]["loc"] == ["body", "region"]
        bad = await client.post("/v1/subscriptions", json={
            "url": "http://dinsos.example.id/hook", "types": ["id.slrt.case.contacts.v1"], "region": "32.01.01"})
        assert bad.status_code == 422
        assert {tuple(e["loc"]) for e in bad.json()["detail"]} == {("body", "url"), ("body", "types")}
        owner = {"Authorization": f"Bearer {token(Role.OWNER, '32.01', owner='dinsos-pkh@32.01')}"}
        assert (await client.post("/v1/subscriptions", headers=owner, json={
            "url": receiver.url, "types": TYPES, "region": "32.01"})).status_code == 403
        mine = (await client.post("/v1/subscriptions", json={"url": receiver.url, "types": TYPES,
                                                             "region": "32.01.01"})).json()["id"]
        other = {"Authorization": f"Bearer {token(Role.OPERATOR, '32.01.01', sub='another-operator')}"}
        assert (await client.get(f"/v1/subscriptions/{mine}", headers=other)).status_code == 404
        assert (await client.get("/v1/subscriptions", headers=other)).json()["items"] == []
        await asyncio.sleep(1)
        await _publish_cases(s, kafka_broker.bootstrap, ["3201-2026-000301"])  # in 32.01.01.1002
        await eventually(lambda: _async(len(receiver.received) >= 4), timeout=60)
    receiver.down()
    assert len(receiver.received) == 4


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the same delivery code on both
async def test_a_delivery_goes_on_in_the_case_s_trace(kafka_broker, topic_prefix, database_url,
                                                      smtp: Mailbox) -> None:  # noqa: F811
    exporter = InMemorySpanExporter()
    provider = configure_tracing("notification", exporter=exporter)
    receiver = WebhookReceiver().up()
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, smtp, SmsGateway().start(),
                 webhook_poll_seconds=0.1)
    trace_id = uuid.uuid4().hex
    operator = {"Authorization": f"Bearer {token(Role.OPERATOR, '32.01.01')}"}
    async with running(build_app(s), headers=operator) as client:
        created = await client.post("/v1/subscriptions", json={"url": receiver.url, "types": TYPES,
                                                               "region": "32.01.01"})
        assert created.status_code == 201, created.text
        await asyncio.sleep(1)
        sent = await _publish_cases(s, kafka_broker.bootstrap, ["3201-2026-000401"],
                                    traceparent=f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01")
        await eventually(lambda: _async(len(receiver.received) >= 4), timeout=60)
    receiver.down()
    provider.force_flush()
    assert {r.headers["traceparent"].split("-")[1] for r in receiver.received} == {trace_id}
    delivered = [sp for sp in exporter.get_finished_spans() if sp.name == "webhook deliver"]
    assert len(delivered) == 4 and {format(sp.context.trace_id, "032x") for sp in delivered} == {trace_id}
    assert {sp.attributes["slrt.case_id"] for sp in delivered} == set(sent)
    assert {sp.attributes["slrt.outcome"] for sp in delivered} == {"delivered"}


async def _async(value: Any) -> Any:
    await asyncio.sleep(0)
    return value
