"""Two routing processes in one consumer group on PostgreSQL; one is killed with SIGKILL while many SLA
timers are due. Every escalation still happens exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import pytest
from slrt.scratch import create_pg_database, drop_pg_database, pg_url, postgres_available
from slrt_shared.codes import Programme
from slrt_shared.contracts.envelope import to_kafka
from slrt_shared.embedded_broker import free_port

from tests.integration.routing.test_escalation_drill import registered
from tests.support import eventually
from tests.support.kafka import TopicReader, publish
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.postgres
CASES = 150


async def test_sigkill_of_one_instance_loses_and_repeats_no_escalation(kafka_broker, topic_prefix,
                                                                        tmp_path: Path) -> None:
    if not postgres_available():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    name = await create_pg_database()
    env = {"SLRT_KAFKA_BOOTSTRAP": kafka_broker.bootstrap, "SLRT_TOPIC_PREFIX": topic_prefix,
           "SLRT_ROUTING_DATABASE_URL": pg_url(name), "SLRT_SLA_OVERRIDE_SECONDS": "4",
           "SLRT_SWEEP_INTERVAL_SECONDS": "0.05", "SLRT_SWEEP_BATCH": "20"}
    first = ServiceProcess("routing", env, free_port(), tmp_path).start()
    second = ServiceProcess("routing", env, free_port(), tmp_path).start()
    topic = f"{topic_prefix}slrt.case.events"
    try:
        await asyncio.to_thread(first.wait_ready)
        await asyncio.to_thread(second.wait_ready)
        case_ids = [str(uuid.uuid4()) for _ in range(CASES)]
        async with TopicReader(kafka_broker.bootstrap, topic) as reader:
            await publish(kafka_broker.bootstrap, [
                to_kafka(registered(c, [Programme.PKH]), topic=topic, source="/tests", key=c) for c in case_ids])
            # kill one instance in the middle of the escalations
            await eventually(lambda: _at_least(reader, "case.escalated", CASES // 3), timeout=90)
            first.kill()
            await eventually(lambda: _at_least(reader, "case.overdue", CASES), timeout=180)
            await asyncio.sleep(2)  # let late duplicates, if any, arrive before counting
            effects = Counter()
            ids_per_effect: dict[tuple[str, str, str], set[str]] = {}
            for event in reader.events(topic):
                if event.type.endswith(("case.escalated.v1", "case.overdue.v1")):
                    step = event.data.get("to_level") or "overdue"
                    ids_per_effect.setdefault((event.key, event.type, step), set()).add(event.id)
            for (case_id, _type, _step), ids in ids_per_effect.items():
                effects[case_id] += 1
                assert len(ids) == 1, f"{case_id} {_step} happened {len(ids)} times"
            assert set(effects) == set(case_ids)
            assert all(n == 3 for n in effects.values())  # desa->kecamatan, kecamatan->kabupaten, overdue
    finally:
        first.kill()
        second.stop()
        await drop_pg_database(name)


async def _at_least(reader: TopicReader, kind: str, n: int) -> bool:
    return sum(1 for t in reader.types() if t == kind) >= n
