"""Who answers a referral on ``slrt.referral.updates``: the owner it is addressed to (or a supervisor of its
region), as the token in the update's ``authorization`` header says. Anyone else's update is dead-lettered as
one for an unknown referral; one without a valid token as ``unauthorized``; the copies keep the verified
sender, never the token."""

from __future__ import annotations

import uuid
from typing import Any

from slrt_contracts.codes import Programme
from slrt_contracts.envelope import to_kafka
from slrt_contracts.referral_updates import ReferralUpdate
from slrt_contracts.topics import Topics
from slrt_routing.app import build_app
from slrt_shared.access.principal import Role

from tests.integration.routing.test_escalation_drill import _with_referrals, registered, settings
from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader, publish, publish_events, signed
from tests.support.tokens import token


async def test_only_the_addressed_owner_answers_over_kafka(kafka_broker: Any, topic_prefix: str,
                                                           database_url: str) -> None:
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, drill=3600)
    case_id = str(uuid.uuid4())
    updates, dlt = s.topics.referral_updates, Topics.dead_letter(s.topics.referral_updates)
    async with running(build_app(s)) as client, TopicReader(kafka_broker.bootstrap, dlt) as dead:
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             registered(case_id, [Programme.PKH]))
        [referral] = (await eventually(lambda: _with_referrals(client, case_id, 1)))["referrals"]
        owner = referral["owner_id"]
        assert owner == "dinsos-pkh@32.01"

        def update(status: str, sender: str | None, reason: str | None = None) -> Any:
            record = to_kafka(ReferralUpdate(referral_id=referral["referral_id"], case_id=case_id, status=status,
                                             reason=reason), topic=updates, source="/owners", key=case_id)
            return signed(record, sender) if sender else record

        other_owner = token(Role.OWNER, "33.74", owner="dinsos-pkh@33.74")
        unknown = to_kafka(ReferralUpdate(referral_id="no-such-referral", case_id=case_id, status="accepted"),
                           topic=updates, source="/owners", key=case_id)
        await publish(kafka_broker.bootstrap, [
            update("rejected", None, "bukan wewenang"),           # no token
            update("rejected", other_owner, "bukan wewenang"),    # another kabupaten's owner
            signed(unknown, other_owner),                         # an unknown referral, for comparison
            update("rejected", token(Role.ANALYST, "32.01")),     # a role that does not answer
            update("accepted", token(Role.OWNER, "32.01", owner=owner)),  # the owner it is addressed to
        ])

        async def answered() -> bool:
            view = await client.get(f"/v1/cases/{case_id}")
            return view.json()["referrals"][0]["status"] == "accepted"

        await eventually(answered, timeout=60)
        await dead.read_to_end()
        view = (await client.get(f"/v1/cases/{case_id}")).json()["referrals"]
    copies = [dict(r.headers) for r in dead.records]
    assert [c["x-error-message"] for c in copies] == [
        b"unauthorized: missing", b"no such referral", b"no such referral",
        b"forbidden: the role analyst does not answer referrals"]
    assert all("authorization" not in c for c in copies)
    assert "x-sender-sub" not in copies[0]
    assert (copies[1]["x-sender-role"], copies[1]["x-sender-owner"]) == (b"owner", b"dinsos-pkh@33.74")
    assert [r["status"] for r in view] == ["accepted"]  # the other owner's rejection changed nothing
