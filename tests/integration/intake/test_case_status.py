"""Intake follows routing's reports on ``slrt.case.events`` (its own consumer group, idempotent through the
inbox), so a resolved or closed case is no longer "open" for linking, and a reopened one is again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from slrt_contracts import case_events as ce
from slrt_contracts.codes import Level, Programme
from slrt_contracts.envelope import from_kafka, to_kafka
from slrt_contracts.topics import Topics
from slrt_intake.adapters import tables as t
from slrt_intake.app import build_app
from slrt_intake.service_layer.case_status import follow
from slrt_intake.settings import IntakeSettings
from slrt_shared import db

from tests.support import eventually
from tests.support.apps import running
from tests.support.databases import migrate
from tests.support.kafka import TopicReader, publish
from tests.unit.shared.registration_rules import VALID

ROUTING = "/slrt/routing"


async def case_state(client: httpx.AsyncClient, case_id: str) -> tuple[str, str]:
    record = (await client.get(f"/v1/cases/{case_id}")).json()
    return record["status"], record["level"]


async def test_intake_follows_resolved_reopened_and_closed(
    online_settings: IntakeSettings, kafka_broker: Any
) -> None:
    topic = online_settings.topics.case_events
    now = datetime.now(UTC)

    def report(event: ce.CaseEvent, event_id: str) -> Any:
        return to_kafka(event, topic=topic, source=ROUTING, key=event.case_id, event_id=event_id)

    async with running(build_app(online_settings)) as client:
        first = (await client.post("/v1/cases", json=VALID)).json()
        case_id = first["case_id"]
        resolved = report(ce.CaseResolved(case_id=case_id, level=Level.DESA, at=now), "routing-1")
        await publish(kafka_broker.bootstrap, [resolved])
        await eventually(lambda: _is(client, case_id, ("resolved", "desa")), timeout=60)

        # resolved is not open: the same need makes a new case instead of linking
        second = await client.post("/v1/cases", json=VALID)
        assert second.status_code == 201 and second.json()["case_id"] != case_id

        # reopened; then the "resolved" report again (a redelivery): the inbox drops it; an escalation marks the end
        reopened = report(ce.CaseReopened(case_id=case_id, level=Level.DESA, at=now,
                                          deadline=now + timedelta(days=3)), "routing-2")
        escalated = report(ce.CaseEscalated(case_id=case_id, from_level=Level.DESA, to_level=Level.KECAMATAN,
                                            reason="sla_expired", deadline=now + timedelta(days=5)), "routing-3")
        await publish(kafka_broker.bootstrap, [reopened, resolved, escalated])
        await eventually(lambda: _is(client, case_id, ("referred", "kecamatan")), timeout=60)

        closed = report(ce.CaseResolved(case_id=case_id, level=Level.KECAMATAN, at=now), "routing-4"), \
            report(ce.CaseClosed(case_id=case_id, level=Level.KECAMATAN, at=now), "routing-5")
        await publish(kafka_broker.bootstrap, list(closed))
        await eventually(lambda: _is(client, case_id, ("closed", "kecamatan")), timeout=60)
        record = (await client.get(f"/v1/cases/{case_id}")).json()
        assert record["status_changed_at"] > first_registered(record)


async def test_reports_on_cases_intake_does_not_know_are_skipped(
    online_settings: IntakeSettings, kafka_broker: Any
) -> None:
    topic = online_settings.topics.case_events
    now = datetime.now(UTC)
    async with running(build_app(online_settings)) as client, \
            TopicReader(kafka_broker.bootstrap, Topics.dead_letter(topic)) as dead_letters:
        case_id = (await client.post("/v1/cases", json=VALID)).json()["case_id"]
        # same key as the case, so the stranger is read first
        stranger = to_kafka(ce.CaseResolved(case_id="not-ours", level=Level.DESA, at=now), topic=topic,
                            source=ROUTING, key=case_id)
        mine = to_kafka(ce.CaseResolved(case_id=case_id, level=Level.DESA, at=now), topic=topic, source=ROUTING,
                        key=case_id)
        await publish(kafka_broker.bootstrap, [stranger, mine])
        await eventually(lambda: _is(client, case_id, ("resolved", "desa")), timeout=60)
        await dead_letters.read_to_end()  # the stranger was handled before the case's own report
        assert dead_letters.records == []


def first_registered(record: dict[str, Any]) -> str:
    return str(record["registered_at"])


async def _is(client: httpx.AsyncClient, case_id: str, expected: tuple[str, str]) -> bool:
    return await case_state(client, case_id) == expected


async def test_a_batch_of_reports_changes_each_case_as_its_own_reports_say(database_url: str) -> None:
    """One batch, several cases: one referred (status and level), one escalated twice (level only), one
    resolved and closed, one untouched; each case ends as its reports say, written with one statement per set
    of changed columns."""
    engine = db.create_engine(database_url)
    await migrate("intake", engine)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(t.cases.insert(), [_case_row(i, now) for i in range(4)])
    dispatched = ce.ReferralDispatched(
        case_id="case-0", referral_id="ref-0", programme=Programme.PKH, owner_id="dinsos-pkh@32.01",
        owner_name="Dinas Sosial", owner_level=Level.KABUPATEN, owner_region="32.01", rules_version="test",
        case_level=Level.DESA, due_at=now + timedelta(days=5))
    reports = [dispatched,
               ce.CaseEscalated(case_id="case-1", from_level=Level.DESA, to_level=Level.KECAMATAN, reason="sla_expired",
                                deadline=now + timedelta(days=5)),
               ce.CaseResolved(case_id="case-2", level=Level.DESA, at=now),
               ce.CaseEscalated(case_id="case-1", from_level=Level.KECAMATAN, to_level=Level.KABUPATEN,
                                reason="sla_expired", deadline=now + timedelta(days=9)),
               ce.CaseClosed(case_id="case-2", level=Level.DESA, at=now)]
    events = [from_kafka(r.headers, r.value, r.key) for r in (
        to_kafka(report, topic="slrt.case.events", source=ROUTING, key=report.case_id, event_id=f"routing-{i}")
        for i, report in enumerate(reports))]
    applied = await follow(sessions=db.session_factory(engine), events=events)
    async with engine.connect() as conn:
        got = {r.case_id: (r.status, r.level, r.status_changed_at is not None) for r in await conn.execute(
            sa.select(t.cases.c.case_id, t.cases.c.status, t.cases.c.level, t.cases.c.status_changed_at))}
        owners = (await conn.execute(sa.select(t.referral_owners.c.referral_id, t.referral_owners.c.owner_id))).all()
    await engine.dispose()
    assert applied == 5
    assert got == {"case-0": ("referred", "desa", True), "case-1": ("registered", "kabupaten", False),
                   "case-2": ("closed", "desa", True), "case-3": ("registered", "desa", False)}
    assert [tuple(o) for o in owners] == [("ref-0", "dinsos-pkh@32.01")]


def _case_row(i: int, now: datetime) -> dict[str, Any]:
    return dict(case_id=f"case-{i}", case_number=f"3201-2026-{i:06d}", nik="3201010101900001", kk="3201010101900002",
                citizen_ref=f"cit-{i}", name="-", language="id", region_code="32.01.01.1002", channel="puskesos",
                level="desa", status="registered", needs=["PKH"], ppks=[24], body={}, warnings=[], registered_at=now)
