"""A supervisor reassigns a referral to another owner with authority: the first owner no longer holds it, the new
one gets a fresh deadline and the supervisor's reason as its note, and the case's events say it was dispatched.
Only owners with authority over the programme for the case are offered and accepted; out of scope is unknown."""

from __future__ import annotations

import uuid
from typing import Any

from slrt_contracts.codes import Programme
from slrt_routing.app import build_app
from slrt_shared.access.principal import Role

from tests.integration.routing.test_escalation_drill import _with_referrals, registered, settings
from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader, publish_events
from tests.support.tokens import token

REASON = "dinas belum menjawab dua minggu, dialihkan ke sekretariat"


async def test_a_supervisor_reassigns_a_referral_to_an_owner_with_authority(kafka_broker: Any, topic_prefix: str,
                                                                           database_url: str) -> None:
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, drill=3600)
    case_id = str(uuid.uuid4())
    supervisor = {"authorization": f"Bearer {token(Role.SUPERVISOR, '32.01')}"}
    async with running(build_app(s)) as client, TopicReader(kafka_broker.bootstrap, s.topics.case_events) as events:
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             registered(case_id, [Programme.PKH]))
        [first] = (await eventually(lambda: _with_referrals(client, case_id, 1)))["referrals"]
        assert first["owner_id"] == "dinsos-pkh@32.01"
        path = f"/v1/referrals/{first['referral_id']}"

        owners = await client.get(f"{path}/owners", headers=supervisor)
        assert owners.status_code == 200
        offered = {o["owner_id"] for o in owners.json()}
        assert "slrt@32.01" in offered and first["owner_id"] not in offered
        elsewhere = {"authorization": f"Bearer {token(Role.SUPERVISOR, '33.74')}"}
        assert (await client.get(f"{path}/owners", headers=elsewhere)).status_code == 404
        refused = await client.post(f"{path}/reassign", headers=elsewhere,
                                    json={"owner_id": "slrt@32.01", "reason": REASON})
        assert refused.status_code == 404
        operator = {"authorization": f"Bearer {token(Role.OPERATOR, '32.01')}"}
        assert (await client.post(f"{path}/reassign", headers=operator,
                                  json={"owner_id": "slrt@32.01", "reason": REASON})).status_code == 403
        no_authority = await client.post(f"{path}/reassign", headers=supervisor,
                                         json={"owner_id": "dinsos-pkh@33.74", "reason": REASON})
        assert no_authority.status_code == 422 and no_authority.json()["detail"][0]["loc"] == ["body", "owner_id"]
        missing = await client.post(f"{path}/reassign", headers=supervisor, json={"owner_id": "slrt@32.01"})
        assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "reason"]

        moved = await client.post(f"{path}/reassign", headers=supervisor,
                                  json={"owner_id": "slrt@32.01", "reason": REASON})
        assert moved.status_code == 201, moved.text
        new = moved.json()
        assert (new["owner_id"], new["status"], new["note"]) == ("slrt@32.01", "dispatched", REASON)
        assert new["referral_id"] != first["referral_id"] and new["due_at"]
        again = await client.post(f"{path}/reassign", headers=supervisor,
                                  json={"owner_id": "slrt@32.01", "reason": REASON})
        assert again.status_code == 409

        first_owner = {"authorization": f"Bearer {token(Role.OWNER, '32.01', owner='dinsos-pkh@32.01')}"}
        held = (await client.get("/v1/referrals", headers=first_owner)).json()["items"]
        assert all(r["case_id"] != case_id for r in held)
        secretariat = {"authorization": f"Bearer {token(Role.OWNER, '32.01', owner='slrt@32.01')}"}
        taken = (await client.get("/v1/referrals", headers=secretariat)).json()["items"]
        assert [r["referral_id"] for r in taken if r["case_id"] == case_id] == [new["referral_id"]]

        async def dispatched() -> bool:
            await events.read_to_end()
            return any(r.value and new["referral_id"].encode() in r.value for r in events.records)

        await eventually(dispatched, timeout=30)
        audit = (await client.get("/v1/audit", params={"case_id": case_id})).json()["items"]
        assert [e["detail"]["owner_id"] for e in audit if e["action"] == "referral_reassigned"] == ["slrt@32.01"]
        assert REASON not in str(audit)
