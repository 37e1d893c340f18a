"""Two routing processes in one consumer group on PostgreSQL; one is killed with SIGKILL while many SLA
timers are due. Both did part of the work, and every escalation still happens exactly once."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter

from slrt.chaos.processes import ServiceProcess
from slrt.scratch import PostgresServer
from slrt_contracts.codes import Programme
from slrt_contracts.envelope import to_kafka
from slrt_routing.adapters import tables

from tests.integration.routing.test_escalation_drill import registered
from tests.support import eventually
from tests.support.kafka import TopicReader, publish
from tests.support.outbox import unpublished

CASES = 150


def timers_fired(process: ServiceProcess) -> int:
    """Timers this instance fired, from its JSON log."""
    fired = 0
    for line in process.log_text().splitlines():
        if '"timers_fired"' in line:
            fired += int(json.loads(line)["count"])
    return fired


async def test_sigkill_of_one_instance_loses_and_repeats_no_escalation(kafka_broker, topic_prefix, postgres,
                                                                        service_processes) -> None:
    server: PostgresServer = postgres
    async with server.database() as url:
        env = {"SLRT_KAFKA_BOOTSTRAP": kafka_broker.bootstrap, "SLRT_TOPIC_PREFIX": topic_prefix,
               "SLRT_ROUTING_DATABASE_URL": url, "SLRT_SLA_OVERRIDE_SECONDS": "4",
               "SLRT_SWEEP_INTERVAL_SECONDS": "0.05", "SLRT_SWEEP_BATCH": "20"}
        first = service_processes("routing", env)
        second = service_processes("routing", env)
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
                # every case is overdue, the last step: nothing more is decided; once the outbox is empty
                # nothing more is published, and the reader reads to the end before counting
                await eventually(lambda: _outbox_empty(url), timeout=60)
                await reader.read_to_end()
                effects: Counter[str] = Counter()
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
            # both instances did part of the work: the killed one before it died, the survivor after
            fired = {"first": timers_fired(first), "second": timers_fired(second)}
            assert fired["first"] > 0 and fired["second"] > 0, fired
        finally:
            first.kill()
            second.stop()


async def _at_least(reader: TopicReader, kind: str, n: int) -> bool:
    return sum(1 for t in reader.types() if t == kind) >= n


async def _outbox_empty(url: str) -> bool:
    return await unpublished(url, tables.outbox) == 0
