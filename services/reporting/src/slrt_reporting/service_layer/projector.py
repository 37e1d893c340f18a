"""Apply events to the read models: a batch at a time, in the transaction that records them in the inbox and
the event log.

The cases and referrals a batch touches are read once (locked on PostgreSQL, in key order, since the case and
notification consumers may touch the same case at once), changed in memory event by event with the domain's
pure functions, and written back with one statement per table; the counters move once for the batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from slrt_contracts.case_events import CaseErased
from slrt_contracts.envelope import CloudEvent
from slrt_shared import audit
from slrt_shared.db import execute_many, is_postgres, upsert, utc
from slrt_shared.errors import PermanentError
from slrt_shared.inbox import first_deliveries
from slrt_shared.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_reporting.adapters import tables as t
from slrt_reporting.adapters.tables import LIVE, ReadModel
from slrt_reporting.domain import case as cases_domain
from slrt_reporting.domain import erasure
from slrt_reporting.domain import referral as referrals_domain
from slrt_reporting.domain.events import Event, decode, scrub, short
from slrt_reporting.domain.facts import Move, delta
from slrt_reporting.domain.timeline import entry, rank

log = get_logger(__name__)


def scrubbed(events: list[CloudEvent]) -> list[CloudEvent]:
    """The events as reporting keeps them: personal fields dropped, free text masked."""
    return [replace(e, data=scrub(e.data)) for e in events]


async def log_events(session: AsyncSession, events: list[CloudEvent]) -> list[CloudEvent]:
    """Keep the events in the durable event log; returns those it did not hold yet, in order. The inbox has
    skipped what the consumer took before; the log's own key (source, id) also skips an event whose inbox row
    was purged after ``SLRT_DEDUP_RETENTION_HOURS`` and that a broker retaining longer delivers again (a
    backfill)."""
    if not events:
        return []
    now = datetime.now(UTC)
    insert = upsert(session, t.event_log).on_conflict_do_nothing().returning(t.event_log.c.source,
                                                                             t.event_log.c.event_id)
    logged = {(row.source, row.event_id) for row in await session.execute(insert, [
        {"event_id": e.id[:100], "source": e.source[:200], "type": e.type[:100], "time": e.time.astimezone(UTC),
         "key": (e.key or "")[:100], "data": e.data, "received_at": now} for e in events])}
    return [e for e in events if (e.source[:200], e.id[:100]) in logged]


async def take(session: AsyncSession, consumer: str, events: list[CloudEvent], *,
               strict: bool = True) -> list[CloudEvent]:
    """Keep the events ``consumer`` has not seen (inbox), in the event log, and project them; returns those.
    Not ``strict`` (events taken back from the broker), an invalid event is left out altogether, as the live
    projection left it out when it sent it to the dead letters."""
    kept = scrubbed(events)
    if not strict:
        kept = [e for e in kept if _valid(e)]
    fresh = await log_events(session, await first_deliveries(session, t.inbox, consumer, kept))
    await project(session, fresh)
    erased = {str(e.data.get("case_id")) for e in fresh if e.type == CaseErased.ce_type}
    await forget_logged(session, erased)
    await audit.record_cases(session, t.audit_log, principal=None, action="personal_data_forgotten",
                             case_ids=sorted(erased))
    return fresh


def _erased(batch: list[tuple[str, Event]]) -> set[str]:
    return {e.case_id for _, e in batch if e.kind == erasure.ERASED_KIND}


async def forget_logged(session: AsyncSession, case_ids: set[str]) -> None:
    """Erasure: the event log keeps no free text or pseudonym of the cases."""
    await _rewrite_data(session, t.event_log, t.event_log.c.key, case_ids,
                        lambda kind, data: erasure.forgotten_event(short(kind), data))


async def forget(session: AsyncSession, rm: ReadModel, case_ids: set[str]) -> None:
    """Erasure: the read models keep no free text of the cases (timeline entries, owners' reasons)."""
    await _rewrite_data(session, rm.timeline, rm.timeline.c.case_id, case_ids, erasure.forgotten_entry)
    if case_ids:
        await session.execute(rm.referrals.update().where(rm.referrals.c.case_id.in_(sorted(case_ids)))
                              .values(reason=None))


async def _rewrite_data(session: AsyncSession, table: sa.Table, case_column: Any, case_ids: set[str],
                        forgotten: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    """Rewrite the ``data`` of the cases' rows (``type`` tells each row's kind) where ``forgotten`` changes it."""
    if not case_ids:
        return
    rows = (await session.execute(sa.select(table.c.id, table.c.type, table.c.data)
                                  .where(case_column.in_(sorted(case_ids))))).all()
    changed = [{"_id": r.id, "data": after} for r in rows if (after := forgotten(r.type, r.data)) != r.data]
    if changed:
        stmt = table.update().where(table.c.id == sa.bindparam("_id")).values(data=sa.bindparam("data"))
        await session.execute(stmt, changed)


def _valid(event: CloudEvent) -> bool:
    try:
        decode(event.type, event.data, event.time)
    except (ValidationError, PermanentError):
        return False
    return True


def decoded(events: list[CloudEvent], *, strict: bool) -> list[tuple[str, Event]]:
    """(event id, domain event) for each event reporting projects. An invalid event raises when ``strict``
    (live: it goes to the dead letters) and is skipped otherwise (replay: the live projection refused it)."""
    out = []
    for e in events:
        try:
            event = decode(e.type, e.data, e.time)
        except (ValidationError, PermanentError):
            if strict:
                raise
            log.warning("replay_skipped_invalid_event", ce_type=e.type, ce_id=e.id)
            continue
        if event is not None:
            out.append((e.id[:100], event))
    return out


async def _load(session: AsyncSession, table: sa.Table, key: str, ids: set[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    query = sa.select(table).where(table.c[key].in_(sorted(ids))).order_by(table.c[key])
    if is_postgres(session):
        query = query.with_for_update()
    out = {}
    for row in (await session.execute(query)).mappings():
        item = dict(row)
        for name, column in table.c.items():
            if isinstance(column.type, sa.DateTime):
                item[name] = utc(item[name])
        out[item[key]] = item
    return out


async def project(session: AsyncSession, events: list[CloudEvent], rm: ReadModel = LIVE, *,
                  strict: bool = True) -> int:
    """Update cases, referrals, the timeline and the counters for a batch; returns how many were projected."""
    batch = decoded(events, strict=strict)
    case_ids = {e.case_id for _, e in batch}
    referral_ids = {e.data["referral_id"] for _, e in batch if e.kind.startswith("referral.")}
    cases = await _load(session, rm.cases, "case_id", case_ids)
    referrals = await _load(session, rm.referrals, "referral_id", referral_ids)
    stored, existing_referrals = dict(cases), set(referrals)  # as the batch found them
    timeline: list[dict[str, Any]] = []
    for event_id, event in batch:
        timeline.append({"case_id": event.case_id, "event_id": event_id, "type": event.kind, "at": event.at,
                         "rank": rank(event.kind), "data": entry(event)})
        after = cases.get(event.case_id) or cases_domain.new_case(event.case_id)
        if event.kind.startswith("referral."):
            referral_id = event.data["referral_id"]
            referrals[referral_id] = referrals_domain.apply(referrals.get(referral_id), event)
            after = cases_domain.with_referral(after, referral_id, referrals_domain.outcome(referrals[referral_id]))
        cases[event.case_id] = cases_domain.apply(after, event)
    moves: Counter[Move] = Counter()
    for case_id, after in cases.items():  # once per case, not per event: the moves telescope
        moves.update(delta(stored.get(case_id), after))
    await _write(session, rm.cases, "case_id", cases, stored.keys())
    await _write(session, rm.referrals, "referral_id", referrals, existing_referrals)
    if timeline:
        await session.execute(rm.timeline.insert(), timeline)
    await move_counters(session, rm, moves)
    await forget(session, rm, _erased(batch))
    return len(batch)


async def _write(session: AsyncSession, table: sa.Table, key: str, items: dict[str, dict[str, Any]],
                 existing: Collection[str]) -> None:
    columns = [c.name for c in table.c]
    fresh = [{c: items[i].get(c) for c in columns} for i in sorted(items) if i not in existing]
    changed = [{**{c: items[i].get(c) for c in columns if c != key}, "_key": i} for i in sorted(existing)]
    if fresh:
        await session.execute(table.insert(), fresh)
    if changed:
        stmt = table.update().where(table.c[key] == sa.bindparam("_key")).values(
            {c: sa.bindparam(c) for c in columns if c != key})
        await session.execute(stmt, changed)


async def move_counters(session: AsyncSession, rm: ReadModel, moves: Counter[Move]) -> None:
    """Add the moves to the counters, one upsert per (region, dimension, value) on the driver: a batch moves
    thousands (every fact of every case it touches, in each of the six regions containing the case)."""
    rows = [{"region": r, "dimension": d, "value": v, "count": n} for (r, d, v), n in sorted(moves.items()) if n]
    insert = upsert(session, rm.counters)
    stmt = insert.on_conflict_do_update(index_elements=["region", "dimension", "value"],
                                        set_={"count": rm.counters.c.count + insert.excluded.count})
    await execute_many(session, stmt, rows)
