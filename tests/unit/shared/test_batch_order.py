"""A batch consumer keeps the order of its partition: what cannot be read (a tombstone, a poison message) is
handed to the single handler in its place, after the readable messages before it and before those after it;
a run that fails is taken again one by one; a dependency that is away holds the whole batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from slrt_contracts.case_events import CaseResolved
from slrt_contracts.codes import Level
from slrt_contracts.envelope import CloudEvent, to_kafka
from slrt_shared.consumer import DEFAULT_MAX_MESSAGE_BYTES, ReliableBatchHandler
from slrt_shared.failures import Paused


@dataclass
class Record:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    partition: int = 0
    offset: int = 0


def good(name: str) -> Record:
    r = to_kafka(CaseResolved(case_id=name, level=Level.DESA, at=datetime.now(UTC)), topic="t", source="/s",
                 key=name, event_id=name)
    return Record(r.topic, r.key, r.value, r.headers)


def tombstone(name: str) -> Record:
    return Record("t", name.encode(), None, [])


class Single:
    """Stands in for the ``ReliableHandler`` a batch falls back on; notes what it was given."""

    max_message_bytes = DEFAULT_MAX_MESSAGE_BYTES
    verifier = None

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def __call__(self, record: Record) -> None:
        self.seen.append(("single", record.key.decode() if record.key else None))


def handler(seen: list[Any], fail: set[str] | None = None, away: bool = False) -> ReliableBatchHandler:
    async def batch(events: list[CloudEvent]) -> None:
        if away:
            raise ConnectionRefusedError("database away")
        if fail and fail & {e.id for e in events}:
            raise RuntimeError("a bug")
        seen.append(("batch", [e.id for e in events]))

    return ReliableBatchHandler(name="test", handle_batch=batch, single=Single(seen))  # type: ignore[arg-type]


async def test_an_unreadable_record_is_handled_in_its_place() -> None:
    seen: list[Any] = []
    await handler(seen)([good("a"), good("b"), tombstone("c"), good("d")])
    assert seen == [("batch", ["a", "b"]), ("single", "c"), ("batch", ["d"])]


async def test_a_run_that_fails_is_taken_one_by_one() -> None:
    seen: list[Any] = []
    await handler(seen, fail={"b"})([good("a"), good("b"), tombstone("c"), good("d")])
    assert seen == [("single", "a"), ("single", "b"), ("single", "c"), ("batch", ["d"])]


async def test_a_dependency_away_holds_the_batch() -> None:
    seen: list[Any] = []
    with pytest.raises(Paused):
        await handler(seen, away=True)([good("a"), good("b")])
    assert seen == []
