"""Malformed and failing messages end in ``<topic>.dlt`` with their error, while the rest keeps flowing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from slrt_contracts.case_events import CaseResolved
from slrt_contracts.codes import Level
from slrt_contracts.envelope import CloudEvent, KafkaRecord, to_kafka
from slrt_shared.consumer import ReliableHandler
from slrt_shared.errors import PermanentError
from slrt_shared.runtime import KafkaRuntime
from slrt_shared.settings import ServiceSettings

from tests.support import eventually
from tests.support.kafka import TopicReader, publish


async def test_garbage_and_poison_go_to_the_dead_letters_and_good_messages_flow(kafka_broker, topic_prefix) -> None:
    settings = ServiceSettings(kafka_bootstrap=kafka_broker.bootstrap, topic_prefix=topic_prefix,
                               service_name="kernel-test", consumer_retry_backoff_seconds=0.01)
    topic = f"{topic_prefix}work"
    handled: list[str] = []
    attempts: dict[str, int] = {}

    async def handle(event: CloudEvent) -> None:
        attempts[event.data["case_id"]] = attempts.get(event.data["case_id"], 0) + 1
        if event.data["case_id"] == "poison":
            raise RuntimeError("this handler always fails on 3201015508950001")  # must not leak into headers
        if event.data["case_id"] == "refused":
            raise PermanentError("refused for a reason that is safe to show")
        if event.data["case_id"] == "flaky" and attempts["flaky"] < 2:
            raise ConnectionError("transient")
        handled.append(event.data["case_id"])

    def good(case_id: str) -> KafkaRecord:
        return to_kafka(CaseResolved(case_id=case_id, level=Level.DESA, at=datetime.now(UTC)),
                        topic=topic, source="/tests", key=case_id)

    kafka = KafkaRuntime(settings)
    kafka.subscribe(topic, group="work", handler=ReliableHandler(
        name="kernel-test", handle=handle, dead_letters=kafka.dead_letters, attempts=3, backoff_seconds=0.01))
    await kafka.start()
    await asyncio.wait_for(kafka.consumers_ready.wait(), timeout=60)
    try:
        async with TopicReader(kafka_broker.bootstrap, topic + ".dlt") as dlt:
            await publish(kafka_broker.bootstrap, [
                good("before"),
                KafkaRecord(topic=topic, key=b"k1", value=b"not json at all", headers=[]),
                KafkaRecord(topic=topic, key=b"k2", value=b"{\"case_id\": 1", headers=list(good("x").headers)),
                good("poison"), good("refused"), good("flaky"), good("after"),
            ])
            await eventually(lambda: _done(handled, dlt), timeout=60)
            assert sorted(handled) == ["after", "before", "flaky"]  # each once; order holds per partition only
            assert attempts["poison"] == 3 and attempts["refused"] == 1
            letters = {(r.key or b"").decode(): dict(r.headers) for r in dlt.records}
            assert set(letters) == {"k1", "k2", "poison", "refused"}
            assert letters["k1"]["x-error-reason"] == b"undecodable"
            assert letters["poison"]["x-error-reason"] == b"unexpected"
            assert letters["refused"]["x-error-reason"] == b"refused"
            assert letters["poison"]["x-attempts"] == b"3"
            assert letters["poison"]["x-original-topic"] == topic.encode()
            assert letters["refused"]["x-error-message"] == b"refused for a reason that is safe to show"
            for headers in letters.values():
                assert b"3201015508950001" not in b"".join(headers.values())
            original = next(r for r in dlt.records if r.key == b"k1")
            assert original.value == b"not json at all"
    finally:
        await kafka.stop()


async def _done(handled: list[str], dlt: TopicReader) -> bool:
    return "after" in handled and len(dlt.records) >= 4
