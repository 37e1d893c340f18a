"""Routing on the real broker in drill mode (SLA steps in seconds): escalation, answers, re-routing, reopening."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from slrt_contracts.case_events import CaseRegistered, ComplaintFiled, HouseholdInfo
from slrt_contracts.codes import Channel, DtsenStatus, Level, Programme
from slrt_contracts.referral_updates import ReferralUpdate
from slrt_routing.app import build_app
from slrt_routing.settings import RoutingSettings
from slrt_shared.access.principal import Role

from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader, publish_events
from tests.support.tokens import token


def settings(broker: str, prefix: str, db: str, drill: float) -> RoutingSettings:
    return RoutingSettings(kafka_bootstrap=broker, topic_prefix=prefix, routing_database_url=db,
                           sla_override_seconds=drill, sweep_interval_seconds=0.1, close_after_seconds=3600,
                           outbox_poll_seconds=0.05)


def registered(case_id: str, needs: list[Programme], ppks: list[int] | None = None) -> CaseRegistered:
    return CaseRegistered(case_id=case_id, case_number="3201-2026-000001", region_code="32.01.01.1002",
                          level=Level.DESA, channel=Channel.PUSKESOS, ppks=ppks or [24], needs=needs,
                          household=HouseholdInfo(dtsen_status=DtsenStatus.REGISTERED), citizen_ref="cit_test",
                          registered_at=datetime.now(UTC))


async def routing_case(client: httpx.AsyncClient, case_id: str) -> dict:
    response = await client.get(f"/v1/cases/{case_id}")
    return response.json() if response.status_code == 200 else {}


async def test_an_unanswered_case_climbs_the_ladder_once_per_step_then_is_overdue(
        kafka_broker, topic_prefix, database_url) -> None:
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, drill=1.5)
    case_id = str(uuid.uuid4())
    async with running(build_app(s)) as client, TopicReader(kafka_broker.bootstrap, s.topics.case_events) as reader:
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             registered(case_id, [Programme.PKH]))
        await eventually(lambda: _has(reader, case_id, "referral.dispatched"))
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             ComplaintFiled(case_id=case_id, complaint_id="c1", filed_at=datetime.now(UTC)))
        await eventually(lambda: _has(reader, case_id, "case.overdue"), timeout=30)
        await eventually(lambda: _settled(client, case_id))
        events = reader.events(key=case_id)
        steps = [(e.data["from_level"], e.data["to_level"]) for e in events if e.type.endswith("case.escalated.v1")]
        assert steps == [("desa", "kecamatan"), ("kecamatan", "kabupaten")]
        assert all(e.data["reason"] == "sla_expired" for e in events if "escalated" in e.type)
        assert [e.type for e in events].count("id.slrt.case.overdue.v1") == 1
        view = await routing_case(client, case_id)
        assert (view["level"], view["overdue"]) == ("kabupaten", True)


async def test_resolved_answers_stop_the_clock_and_resolve_the_case(kafka_broker, topic_prefix, database_url) -> None:
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, drill=6)
    case_id = str(uuid.uuid4())
    async with running(build_app(s)) as client, TopicReader(kafka_broker.bootstrap, s.topics.case_events) as reader:
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             registered(case_id, [Programme.PKH, Programme.PIP]))
        view = await eventually(lambda: _with_referrals(client, case_id, 2))
        first, second = view["referrals"]
        # one answer over HTTP, one over Kafka, as owners do
        ok = await client.post(f"/v1/referrals/{first['referral_id']}/status", json={"status": "accepted"})
        assert ok.status_code == 200 and ok.json()["status"] == "accepted"
        ok = await client.post(f"/v1/referrals/{first['referral_id']}/status", json={"status": "resolved"})
        assert ok.json()["status"] == "resolved"
        await publish_events(kafka_broker.bootstrap, s.topics.referral_updates, case_id,
                             ReferralUpdate(referral_id=second["referral_id"], case_id=case_id, status="resolved"),
                             source="/owners/disdik", token=token(Role.OWNER, "32.01", owner=second["owner_id"]))
        await eventually(lambda: _has(reader, case_id, "case.resolved"))
        refused = await client.post(f"/v1/referrals/{first['referral_id']}/status", json={"status": "accepted"})
        assert refused.status_code == 409
        assert refused.json()["detail"][0]["loc"] == ["body", "status"]
        view = await routing_case(client, case_id)
        assert view["status"] == "resolved"
        # the clock stopped: once its last deadline has passed and the sweeper has run, nothing moved up
        last_deadline = datetime.fromisoformat(view["deadline"])
        await eventually(lambda: _past(last_deadline, seconds=1.0), timeout=30)
        after = reader.types(key=case_id)
        after = after[after.index("case.resolved"):]
        assert "case.escalated" not in after and "case.overdue" not in after
        assert (await routing_case(client, case_id))["level"] == view["level"]


async def test_a_rejection_is_re_routed_then_escalated_to_the_secretariat_then_final(
        kafka_broker, topic_prefix, database_url) -> None:
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, drill=30)
    case_id = str(uuid.uuid4())
    async with running(build_app(s)) as client, TopicReader(kafka_broker.bootstrap, s.topics.case_events) as reader:
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             registered(case_id, [Programme.PKH]))
        view = await eventually(lambda: _with_referrals(client, case_id, 1))
        first = view["referrals"][0]
        assert first["owner_id"] == "dinsos-pkh@32.01"
        answer = await client.post(f"/v1/referrals/{first['referral_id']}/status",
                                   json={"status": "rejected", "reason": "bukan wewenang"})
        assert answer.json()["replaced_by"]
        view = await eventually(lambda: _with_referrals(client, case_id, 2))
        second = next(r for r in view["referrals"] if r["referral_id"] == answer.json()["replaced_by"])
        assert second["owner_id"] == "kemensos-pkh@nasional" and second["status"] == "dispatched"
        answer = await client.post(f"/v1/referrals/{second['referral_id']}/status",
                                   json={"status": "rejected", "reason": "bukan wewenang"})
        # no owner with authority is left: escalated to the SLRT secretariat of the kabupaten
        view = await eventually(lambda: _with_referrals(client, case_id, 3))
        third = next(r for r in view["referrals"] if r["referral_id"] == answer.json()["replaced_by"])
        assert third["owner_id"] == "slrt@32.01" and third["status"] == "dispatched"
        assert view["status"] != "resolved"
        last = await client.post(f"/v1/referrals/{third['referral_id']}/status", json={"status": "rejected"})
        assert last.json()["replaced_by"] is None  # final
        await eventually(lambda: _has(reader, case_id, "case.resolved"))
        assert reader.types(key=case_id).count("referral.dispatched") == 3
        assert reader.types(key=case_id).count("referral.rejected") == 3
        # a rejection without a reason code (a free text only, or nothing) is published as `other`, in its words
        rejected = [e.data for e in reader.events(key=case_id) if e.type == "id.slrt.referral.rejected.v1"]
        assert {(e["reason_code"], e["reason"]) for e in rejected} == {("other", "alasan lain")}


async def test_a_complaint_on_a_resolved_case_reopens_it(kafka_broker, topic_prefix, database_url) -> None:
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, drill=30)
    case_id = str(uuid.uuid4())
    async with running(build_app(s)) as client, TopicReader(kafka_broker.bootstrap, s.topics.case_events) as reader:
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             registered(case_id, [Programme.ADMINDUK]))
        view = await eventually(lambda: _with_referrals(client, case_id, 1))
        ref = view["referrals"][0]
        await client.post(f"/v1/referrals/{ref['referral_id']}/status", json={"status": "resolved"})
        await eventually(lambda: _has(reader, case_id, "case.resolved"))
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             ComplaintFiled(case_id=case_id, complaint_id="c2", referral_id=ref["referral_id"],
                                            filed_at=datetime.now(UTC)))
        await eventually(lambda: _has(reader, case_id, "case.reopened"))
        view = await routing_case(client, case_id)
        assert (view["status"], view["level"]) == ("referred", "desa")
        active = [r for r in view["referrals"] if r["replaced_by"] is None]
        assert len(active) == 1 and active[0]["status"] == "dispatched"
        assert reader.types(key=case_id).count("referral.dispatched") == 2


async def test_manual_escalation_by_a_supervisor(kafka_broker, topic_prefix, database_url) -> None:
    s = settings(kafka_broker.bootstrap, topic_prefix, database_url, drill=60)
    case_id = str(uuid.uuid4())
    async with running(build_app(s)) as client, TopicReader(kafka_broker.bootstrap, s.topics.case_events) as reader:
        await publish_events(kafka_broker.bootstrap, s.topics.case_events, case_id,
                             registered(case_id, [Programme.RUTILAHU]))
        await eventually(lambda: _with_referrals(client, case_id, 1))
        missing = await client.post(f"/v1/cases/{case_id}/escalate", json={})
        assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "reason"]
        for expected in ("kecamatan", "kabupaten"):
            up = await client.post(f"/v1/cases/{case_id}/escalate", json={"reason": "keluhan berulang"})
            assert up.status_code == 200 and up.json()["to_level"] == expected
        top = await client.post(f"/v1/cases/{case_id}/escalate", json={"reason": "lagi"})
        assert top.status_code == 409
        assert (await client.post("/v1/cases/nope/escalate", json={"reason": "x"})).status_code == 404
        await eventually(lambda: _count(reader, case_id, "case.escalated", 2))
        reasons = {e.data["reason"] for e in reader.events(key=case_id) if "escalated" in e.type}
        assert reasons == {"manual"}


async def _has(reader: TopicReader, key: str, kind: str) -> bool:
    return kind in reader.types(key=key)


async def _past(moment: datetime, *, seconds: float) -> bool:
    return (datetime.now(UTC) - moment).total_seconds() > seconds


async def _count(reader: TopicReader, key: str, kind: str, n: int) -> bool:
    return reader.types(key=key).count(kind) == n


async def _settled(client: httpx.AsyncClient, case_id: str) -> bool:
    return (await routing_case(client, case_id)).get("overdue") is True


async def _with_referrals(client: httpx.AsyncClient, case_id: str, n: int) -> dict | None:
    view = await routing_case(client, case_id)
    return view if len(view.get("referrals", [])) >= n else None
