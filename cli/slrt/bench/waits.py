"""Where the latency phase's cases spent their time, step by step, from the times the services wrote down.

Each step's start and end are read from the services' own rows, so no service is changed or slowed to measure:

- ``POST -> intake's outbox``: from the benchmark's ``POST /v1/cases`` to intake writing ``case.registered`` in
  its outbox (the request, the token, the group commit);
- ``intake's outbox -> routing``: to routing taking the event into its inbox (intake's relay, the broker,
  routing's fetch);
- ``routing's dispatch``: from routing's inbox to its last ``referral.dispatched`` of the case in its outbox;
- ``routing's outbox -> reporting``: to reporting's event log holding that event (routing's relay, the broker,
  reporting's fetch);
- ``reporting -> seen``: to the benchmark seeing the case with its referrals in the read model (reporting's
  transaction and the benchmark's poll, every 5 ms).

Times are the machine's wall clock, the same for every process; a step that ends in a batch ends when the
batch began (inbox and event log rows carry the batch's time).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from slrt_contracts.case_events import CaseRegistered, ReferralDispatched

from slrt.chaos.system import System

STEPS = ("POST -> intake's outbox", "intake's outbox -> routing", "routing's dispatch",
         "routing's outbox -> reporting", "reporting -> seen", "POST -> seen")


@dataclass
class Timed:
    """One case of the latency phase: when its ``POST`` was sent and when the benchmark saw it arrive."""
    case_id: str
    posted: float  # wall clock, seconds
    seen: float


def seconds(value: Any) -> float:
    """A timestamp column as read back: a datetime (PostgreSQL) or its text (SQLite, stored as UTC)."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def headers_of(value: Any) -> dict[str, str]:
    pairs = json.loads(value) if isinstance(value, str) else value
    return {str(k): str(v) for k, v in pairs}


def sql_ids(ids: Iterable[str]) -> str:
    """Ids for an ``IN (...)`` of a statement the benchmark writes: UUIDs only, so nothing else reaches SQL."""
    return ", ".join(f"'{uuid.UUID(i)}'" for i in ids)


def percentile(ordered: Sequence[float], p: float) -> float:
    """The ``p`` quantile (0..1) of seconds already sorted, in milliseconds; 0 for none."""
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 1) if ordered else 0.0


async def steps(system: System, timed: Sequence[Timed]) -> dict[str, dict[str, float]]:
    """Per step, p50 / p90 / p99 in milliseconds and how many cases it was measured on."""
    if not timed:
        return {}
    keys = sql_ids(t.case_id for t in timed)
    registered: dict[str, tuple[float, str]] = {}  # case -> (written by intake, event id)
    for key, created_at, headers in await system.rows(
            "intake", f"SELECT key, created_at, headers FROM outbox WHERE key IN ({keys})"):  # noqa: S608
        h = headers_of(headers)
        if h.get("ce_type") == CaseRegistered.ce_type:
            registered[str(key)] = (seconds(created_at), h["ce_id"])
    events = sql_ids(e for _, e in registered.values())
    received = {str(e): seconds(at) for e, at in await system.rows(
        "routing", f"SELECT event_id, received_at FROM inbox WHERE event_id IN ({events})")} if events else {}  # noqa: S608
    dispatched: dict[str, float] = {}
    for key, created_at, headers in await system.rows(
            "routing", f"SELECT key, created_at, headers FROM outbox WHERE key IN ({keys})"):  # noqa: S608
        if headers_of(headers).get("ce_type") == ReferralDispatched.ce_type:
            dispatched[str(key)] = max(dispatched.get(str(key), 0.0), seconds(created_at))
    reported = {str(key): seconds(at) for key, at in await system.rows(
        "reporting", "SELECT key, max(received_at) FROM event_log "  # noqa: S608
                     f"WHERE type = '{ReferralDispatched.ce_type}' AND key IN ({keys}) GROUP BY key")}
    waits: dict[str, list[float]] = {step: [] for step in STEPS}
    for t in timed:
        if t.case_id not in registered or t.case_id not in dispatched or t.case_id not in reported:
            continue
        written, event = registered[t.case_id]
        if event not in received:
            continue
        points = (t.posted, written, received[event], dispatched[t.case_id], reported[t.case_id], t.seen)
        for step, (a, b) in zip(STEPS[:-1], pairwise(points), strict=True):
            waits[step].append(b - a)
        waits[STEPS[-1]].append(t.seen - t.posted)
    return {step: {"p50": percentile(v, 0.50), "p90": percentile(v, 0.90), "p99": percentile(v, 0.99), "n": len(v)}
            for step, values in waits.items() if (v := sorted(values))}
