"""Free text in its place, on the real broker: an owner's free-text reason and a supervisor's escalation note
stay in routing (readable there in scope); the public ``slrt.case.events`` and the citizen's SMS and e-mail
carry only the reason code's words, in the citizen's language."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from slrt_contracts.codes import Language, Programme
from slrt_contracts.envelope import KafkaRecord, to_kafka
from slrt_contracts.referral_updates import ReferralUpdate
from slrt_contracts.topics import Topics
from slrt_routing.app import build_app as build_routing
from slrt_shared.access.principal import Role

from tests.integration.notification.helpers import (
    ScriptedGateway,
    ScriptedMailServer,
    contacts,
    mail_server,
    notification,
    notification_settings,
)
from tests.integration.routing.test_escalation_drill import _with_referrals, registered, settings
from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader, publish, publish_events, signed
from tests.support.tokens import auth, token

REASON_MARKER, NOTE_MARKER, ANSWER_NOTE_MARKER = "ZQX-REASON-7731", "ZQX-NOTE-4410", "ZQX-ANSWER-NOTE-2208"


@pytest.fixture
async def notification_database(database_url: str, request: pytest.FixtureRequest,
                                tmp_path: Path) -> AsyncIterator[str]:
    """A second fresh database of the same kind as ``database_url``, for notification."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'notification.db'}"
        return
    async with request.getfixturevalue("postgres").database() as url:
        yield url


def _raw(reader: TopicReader) -> str:
    return "\n".join((r.value or b"").decode("utf-8", "replace") for r in reader.records)


async def test_a_rejection_reaches_the_citizen_and_the_public_topic_as_the_codes_words_only(
        kafka_broker: Any, topic_prefix: str, database_url: str, notification_database: str) -> None:
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, drill=3600)
    gateway = ScriptedGateway().start()
    case_id, number = str(uuid.uuid4()), "3201-2026-000777"
    async with mail_server(ScriptedMailServer()) as mail:
        n = notification_settings(kafka_broker.bootstrap, topic_prefix, notification_database,
                                  smtp_port=mail.port, sms_url=gateway.url)
        async with running(build_routing(s)) as client, notification(n), \
                TopicReader(kafka_broker.bootstrap, s.topics.case_events) as events:
            await publish(kafka_broker.bootstrap, [
                to_kafka(contacts(case_id, number, Language.EN), topic=s.topics.case_contacts, source="/t",
                         key=case_id)])
            case = registered(case_id, [Programme.PKH]).model_copy(update={"case_number": number})
            await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id, case)
            [referral] = (await eventually(lambda: _with_referrals(client, case_id, 1)))["referrals"]
            owner = auth(Role.OWNER, "32.01", owner=referral["owner_id"])
            answer = await client.post(f"/v1/referrals/{referral['referral_id']}/status", headers=owner, json={
                "status": "rejected", "reason_code": "not_eligible", "note": ANSWER_NOTE_MARKER,
                "reason": f"{REASON_MARKER}: Bu Siti sudah pindah ke rumah anaknya, Jl. Melati 10"})
            assert answer.status_code == 200, answer.text
            assert (answer.json()["reason_code"], answer.json()["reason_words"]) == ("not_eligible",
                                                                                    "tidak memenuhi syarat")
            assert REASON_MARKER in answer.json()["reason"]  # routing keeps the free text, for those in scope

            def told(texts: list[str]) -> bool:
                return any("declined" in text for text in texts)

            sms_texts = lambda: [r["message"] for r in gateway.requests]  # noqa: E731
            await eventually(lambda: _true(told(sms_texts()) and told(mail.texts())), timeout=60)
            await eventually(lambda: _true("referral.dispatched" in events.types(key=case_id)
                                           and events.types(key=case_id).count("referral.dispatched") == 2))
            await events.read_to_end()
            published = [e for e in events.events(key=case_id) if e.type == "id.slrt.referral.rejected.v1"]
            topic_text = _raw(events)
            in_scope = (await client.get(f"/v1/cases/{case_id}")).json()
            listed = (await client.get("/v1/referrals", headers=owner)).json()["items"]
    [rejected] = published
    assert (rejected.data["reason_code"], rejected.data["reason"]) == ("not_eligible", "tidak memenuhi syarat")
    assert REASON_MARKER not in topic_text and ANSWER_NOTE_MARKER not in topic_text and "Melati" not in topic_text
    [sms] = [text for text in sms_texts() if "declined" in text]
    [mail_text] = [text for text in mail.texts() if "declined" in text]
    for sent in (sms, mail_text, *[str(m) for m in mail.attempts]):
        assert REASON_MARKER not in sent and "Melati" not in sent and ANSWER_NOTE_MARKER not in sent
    assert "(not eligible)" in sms and "(not eligible)" in mail_text  # the citizen reads English
    first = next(r for r in in_scope["referrals"] if r["referral_id"] == referral["referral_id"])
    assert (first["reason_code"], first["note"]) == ("not_eligible", ANSWER_NOTE_MARKER)
    assert REASON_MARKER in first["reason"]
    assert listed == []  # re-routed: the owner's inbox no longer holds it (it goes to the next owner)


async def test_an_escalation_note_stays_in_routing_readable_in_scope(
        kafka_broker: Any, topic_prefix: str, database_url: str) -> None:
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, drill=3600)
    case_id = str(uuid.uuid4())
    supervisor = auth(Role.SUPERVISOR, "32.01")
    async with running(build_routing(s)) as client, \
            TopicReader(kafka_broker.bootstrap, s.topics.case_events) as events:
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             registered(case_id, [Programme.PKH]))
        [referral] = (await eventually(lambda: _with_referrals(client, case_id, 1)))["referrals"]
        up = await client.post(f"/v1/cases/{case_id}/escalate", headers=supervisor,
                               json={"reason": f"{NOTE_MARKER}: kepala desa tidak menindaklanjuti"})
        assert up.status_code == 200, up.text
        await eventually(lambda: _true("case.escalated" in events.types(key=case_id)))
        await events.read_to_end()
        [escalated] = [e for e in events.events(key=case_id) if e.type == "id.slrt.case.escalated.v1"]
        topic_text = _raw(events)
        seen = (await client.get(f"/v1/cases/{case_id}", headers=supervisor)).json()
        by_owner = (await client.get(f"/v1/cases/{case_id}",
                                     headers=auth(Role.OWNER, "32.01", owner=referral["owner_id"]))).json()
        elsewhere = await client.get(f"/v1/cases/{case_id}", headers=auth(Role.SUPERVISOR, "33.74"))
    assert (escalated.data["reason"], escalated.data.get("note")) == ("manual", None)
    assert NOTE_MARKER not in topic_text
    [kept] = seen["escalations"]
    assert (kept["from_level"], kept["to_level"]) == ("desa", "kecamatan") and NOTE_MARKER in kept["note"]
    assert kept["actor"]
    assert [e["note"] for e in by_owner["escalations"]] == [None]  # programme owners do not read supervisors' notes
    assert elsewhere.status_code == 404


async def test_over_kafka_a_reason_code_is_recorded_and_an_unknown_one_is_dead_lettered(
        kafka_broker: Any, topic_prefix: str, database_url: str) -> None:
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, drill=3600)
    case_id = str(uuid.uuid4())
    updates, dlt = s.topics.referral_updates, Topics.dead_letter(s.topics.referral_updates)
    async with running(build_routing(s)) as client, TopicReader(kafka_broker.bootstrap, dlt) as dead:
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             registered(case_id, [Programme.PKH]))
        [referral] = (await eventually(lambda: _with_referrals(client, case_id, 1)))["referrals"]
        sender = token(Role.OWNER, "32.01", owner=referral["owner_id"])

        def update(status: str, code: str) -> KafkaRecord:
            record = to_kafka(ReferralUpdate(referral_id=referral["referral_id"], case_id=case_id, status=status),
                              topic=updates, source="/owners", key=case_id)
            data = {**json.loads(record.value), "reason_code": code}
            return signed(KafkaRecord(record.topic, record.key, json.dumps(data).encode(), record.headers), sender)

        await publish(kafka_broker.bootstrap, [update("rejected", "no_such_code"),
                                               update("accepted", "under_verification")])

        async def accepted() -> bool:
            view = (await client.get(f"/v1/cases/{case_id}")).json()
            return view["referrals"][0]["status"] == "accepted"

        await eventually(accepted, timeout=60)
        await dead.read_to_end()
        view = (await client.get(f"/v1/cases/{case_id}")).json()["referrals"]
        bad = await client.post(f"/v1/referrals/{referral['referral_id']}/status",
                                json={"status": "resolved", "reason_code": "no_such_code"})
    assert [r["reason_code"] for r in view] == ["under_verification"]
    [copy] = dead.records
    assert b"reason_code" in dict(copy.headers)["x-error-message"]
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "reason_code"]


async def _true(value: bool) -> bool:
    return value
