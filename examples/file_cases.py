"""An agency's system files cases by command on ``slrt.intake.commands`` and reads the replies on
``slrt.intake.replies``, with the ``slrt-contracts`` package and aiokafka.

    SLRT_TOKEN=... python examples/file_cases.py

Each command is a CloudEvent keyed by an id of the agency's own (never a NIK); its ``ce_id`` is its idempotency
key (send it again after a timeout and the same reply comes, nothing is made twice). The reply has the same key.
Prints one line per command: accepted with the case number, or rejected with each field's error."""

from __future__ import annotations

import asyncio
import sys
import uuid

from _common import BOOTSTRAP, SOURCE, TOKEN, sample_cases, topic
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import ValidationError
from slrt_contracts.commands import CommandAccepted, CommandRejected, RegisterCase
from slrt_contracts.envelope import from_kafka, to_kafka
from slrt_contracts.topics import INTAKE_COMMANDS, INTAKE_REPLIES


async def main() -> int:
    replies = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)  # no group: read them all
    await replies.start()
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    await producer.start()
    waiting: dict[str, str] = {}  # our key: what we sent
    try:
        partitions = [p for p in await _partitions(replies, topic(INTAKE_REPLIES))]
        replies.assign(partitions)
        await replies.seek_to_end(*partitions)  # only the replies to what we send now
        for body in sample_cases():
            key = f"agency-example-{uuid.uuid4().hex[:12]}"
            try:  # validate here, with SLRT's own models: the same errors intake would answer
                command = RegisterCase.model_validate(body)
                record = to_kafka(command, topic=topic(INTAKE_COMMANDS), source=SOURCE, key=key)
                value, headers = record.value, record.headers
            except ValidationError:  # send it anyway, to show the rejection intake answers
                value, headers = _unchecked(body, key)
            await producer.send_and_wait(topic(INTAKE_COMMANDS), value, key=key.encode(),
                                         headers=[*headers, ("authorization", f"Bearer {TOKEN}".encode())])
            waiting[key] = body["citizen"]["name"]
        while waiting:
            batch = await replies.getmany(timeout_ms=30_000)
            if not batch:
                print(f"no reply within 30 s for {len(waiting)} commands", file=sys.stderr)
                return 1
            for records in batch.values():
                for record in records:
                    key = record.key.decode()
                    if key not in waiting:
                        continue
                    reply = from_kafka(record.headers, record.value, record.key)
                    waiting.pop(key)
                    if reply.type == CommandAccepted.ce_type:
                        accepted = CommandAccepted.model_validate(reply.data)
                        print(f"accepted {key} case {accepted.case_number} linked={accepted.linked}")
                    else:
                        rejected = CommandRejected.model_validate(reply.data)
                        fields = ", ".join(f"{'.'.join(map(str, e.loc))}: {e.type}" for e in rejected.errors)
                        print(f"rejected {key} {fields}")
        return 0
    finally:
        await producer.stop()
        await replies.stop()


async def _partitions(consumer: AIOKafkaConsumer, name: str) -> list:  # type: ignore[type-arg]
    from aiokafka import TopicPartition

    for _ in range(50):
        if name in await consumer.topics():  # asks the broker for its topics' metadata
            return [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or [])]
        await asyncio.sleep(0.2)
    raise SystemExit(f"topic {name} not found at {BOOTSTRAP}")


def _unchecked(body: dict, key: str) -> tuple[bytes, list[tuple[str, bytes]]]:  # type: ignore[type-arg]
    import json
    from datetime import UTC, datetime

    headers = {"ce_specversion": "1.0", "ce_id": str(uuid.uuid4()), "ce_source": SOURCE,
               "ce_type": RegisterCase.ce_type, "ce_time": datetime.now(UTC).isoformat(),
               "content-type": "application/json"}
    return json.dumps(body).encode(), [(k, v.encode()) for k, v in headers.items()]


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
