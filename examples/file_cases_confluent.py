"""The same agency system with confluent-kafka (librdkafka, the client most agencies' stacks wrap), and the
``slrt-contracts`` package for the messages:

    SLRT_TOKEN=... python examples/file_cases_confluent.py

The replies are read without a consumer group (assigned partitions, from their end), so nothing waits for a
group to form; a long-running integration would use a group of its own (``agency-example-replies``)."""

from __future__ import annotations

import sys
import time
import uuid

from _common import BOOTSTRAP, SOURCE, TOKEN, sample_cases, topic
from confluent_kafka import Consumer, Producer, TopicPartition
from slrt_contracts.commands import CommandAccepted, CommandRejected, RegisterCase
from slrt_contracts.envelope import from_kafka, to_kafka
from slrt_contracts.topics import INTAKE_COMMANDS, INTAKE_REPLIES


def main() -> int:
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "acks": "all"})
    replies = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "agency-example-unused",
                        "enable.auto.commit": False})
    metadata = replies.list_topics(topic(INTAKE_REPLIES), timeout=30)
    partitions = []
    for p in sorted(metadata.topics[topic(INTAKE_REPLIES)].partitions):  # from the end as it is now
        _, end = replies.get_watermark_offsets(TopicPartition(topic(INTAKE_REPLIES), p), timeout=30)
        partitions.append(TopicPartition(topic(INTAKE_REPLIES), p, end))
    replies.assign(partitions)
    waiting: dict[str, str] = {}
    for body in sample_cases()[:2]:  # the valid ones
        key = f"agency-example-{uuid.uuid4().hex[:12]}"
        record = to_kafka(RegisterCase.model_validate(body), topic=topic(INTAKE_COMMANDS), source=SOURCE, key=key)
        producer.produce(topic(INTAKE_COMMANDS), value=record.value, key=key,
                         headers=[*record.headers, ("authorization", f"Bearer {TOKEN}".encode())])
        waiting[key] = body["citizen"]["name"]
    producer.flush(30)
    deadline = time.monotonic() + 60
    while waiting and time.monotonic() < deadline:
        message = replies.poll(1.0)
        if message is None or message.error() or message.key() is None:
            continue
        key = message.key().decode()
        if key not in waiting:
            continue
        reply = from_kafka(message.headers() or [], message.value(), message.key())
        waiting.pop(key)
        if reply.type == CommandAccepted.ce_type:
            print(f"accepted {key} case {CommandAccepted.model_validate(reply.data).case_number}")
        else:
            errors = CommandRejected.model_validate(reply.data).errors
            print(f"rejected {key} " + ", ".join(f"{'.'.join(map(str, e.loc))}: {e.type}" for e in errors))
    replies.close()
    if waiting:
        print(f"no reply for {len(waiting)} commands", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
