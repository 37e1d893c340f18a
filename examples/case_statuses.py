"""A subscriber keeps its own table of case statuses from ``slrt.case.events``, idempotent and order-free:

    python examples/case_statuses.py statuses.db [--seconds 30]

- **Idempotent**: each event's ``ce_source`` + ``ce_id`` is recorded with its effect, in one SQLite transaction;
  an event delivered again changes nothing.
- **Order-free**: a case's row keeps the ``ce_time`` of what it shows, and an older event never overwrites a
  newer one (a replayed dead letter, say); what is not a status (a referral dispatched) is kept apart.

A real subscriber consumes in a consumer group of its own and commits after each transaction; this one reads
every partition from the beginning without a group (nothing waits for a group to form), for ``--seconds``, then
prints its table."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys

from _common import BOOTSTRAP, topic
from aiokafka import AIOKafkaConsumer, TopicPartition
from slrt_contracts.envelope import CloudEvent, EnvelopeError, from_kafka
from slrt_contracts.topics import CASE_EVENTS

#: what each event type says of the case's status (the others leave it as it is)
STATUS = {"id.slrt.case.registered.v1": "registered", "id.slrt.referral.dispatched.v1": "referred",
          "id.slrt.case.resolved.v1": "resolved", "id.slrt.case.closed.v1": "closed",
          "id.slrt.case.reopened.v1": "referred", "id.slrt.case.erased.v1": "erased"}
SCHEMA = """
create table if not exists seen (source text, id text, primary key (source, id));
create table if not exists cases (case_id text primary key, case_number text, status text, level text,
                                  status_time text, level_time text, events integer not null default 0);
"""


def apply(db: sqlite3.Connection, event: CloudEvent) -> bool:
    """Take in one event; False when it was seen before."""
    with db:  # one transaction: the dedupe row and the effect together
        if db.execute("insert or ignore into seen values (?, ?)", (event.source, event.id)).rowcount == 0:
            return False
        case_id, at = event.data.get("case_id"), event.time.isoformat()
        if not case_id:
            return True
        db.execute("insert or ignore into cases (case_id) values (?)", (case_id,))
        db.execute("update cases set events = events + 1, case_number = coalesce(case_number, ?) where case_id = ?",
                   (event.data.get("case_number"), case_id))
        if event.type in STATUS:  # newer wins, whatever the order of arrival
            db.execute("update cases set status = ?, status_time = ? where case_id = ? and "
                       "(status_time is null or status_time <= ?)", (STATUS[event.type], at, case_id, at))
        level = event.data.get("to_level") or (event.data.get("level") if event.type.startswith("id.slrt.case.")
                                               else None)
        if level:
            db.execute("update cases set level = ?, level_time = ? where case_id = ? and "
                       "(level_time is null or level_time <= ?)", (level, at, case_id, at))
    return True


async def follow(db: sqlite3.Connection, seconds: float) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        partitions = [TopicPartition(topic(CASE_EVENTS), p)
                      for p in sorted(consumer.partitions_for_topic(topic(CASE_EVENTS)) or [])]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        taken = 0
        deadline = asyncio.get_running_loop().time() + seconds
        while asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    try:
                        event = from_kafka(record.headers, record.value, record.key)
                    except EnvelopeError:
                        continue  # not a CloudEvent: not for this table
                    taken += apply(db, event)
        return taken
    finally:
        await consumer.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    db = sqlite3.connect(args.database)
    db.executescript(SCHEMA)
    taken = asyncio.run(follow(db, args.seconds))
    print(f"{taken} new events")
    for row in db.execute("select case_number, status, level, events from cases order by case_number"):
        print(" ".join(str(v) for v in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
