"""Intake follows routing's reports on ``slrt.case.events`` (its own consumer group, idempotent through the
inbox), so a resolved or closed case is no longer "open" for linking, and a reopened one is again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from slrt_contracts import case_events as ce
from slrt_contracts.codes import Level
from slrt_contracts.envelope import to_kafka
from slrt_contracts.topics import Topics
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings

from tests.support import eventually
from tests.support.apps import running
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
