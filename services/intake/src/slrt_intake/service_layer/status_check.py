"""The citizens' status look-up (``POST /v1/status``): a case number and the last four digits of its phone answer
the case's status and next step, nothing personal.

One transaction per look-up, the same statements whether the case exists or the digits are wrong: the case
number's misses (locked on PostgreSQL, so instances count one after another; SQLite writers take turns), the
case, the constant-time comparison, and on a miss the count written back. A locked number is refused before the
case is read, whatever the case. Nothing here logs a case number, a digit or an address: misses and locks are
coded lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slrt_contracts.codes import START_LEVEL, CaseStatus, Channel, Level
from slrt_shared.db import is_postgres, upsert, utc
from slrt_shared.logging import get_logger
from slrt_shared.purge import Horizon
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.domain import status as domain
from slrt_intake.settings import IntakeSettings

log = get_logger(__name__)
_MISSES = t.status_lookup_misses


@dataclass(frozen=True)
class NoMatch:
    """No case with this number and these digits: an unknown number, wrong digits, no phone, erased."""


@dataclass(frozen=True)
class Locked:
    """The case number is locked after repeated misses, for ``seconds`` more."""

    seconds: float


def _misses(row: Any) -> domain.Misses | None:
    if row is None:
        return None
    return domain.Misses(row.misses, utc(row.window_started_at), utc(row.locked_until))  # type: ignore[arg-type]


async def _read_misses(session: AsyncSession, case_number: str) -> domain.Misses | None:
    query = sa.select(_MISSES.c.misses, _MISSES.c.window_started_at, _MISSES.c.locked_until).where(
        _MISSES.c.case_number == case_number)
    if is_postgres(session):
        query = query.with_for_update()
    return _misses((await session.execute(query)).first())


def _row(after: domain.Misses, now: datetime) -> dict[str, Any]:
    return {"misses": after.count, "window_started_at": after.window_started_at, "locked_until": after.locked_until,
            "last_miss_at": now}


async def _record_miss(session: AsyncSession, case_number: str, before: domain.Misses | None, now: datetime,
                       rules: domain.LockRules) -> domain.Misses:
    after = domain.after_miss(before, now, rules)
    if before is None:
        inserted: Any = await session.execute(upsert(session, _MISSES).values(
            case_number=case_number, **_row(after, now)).on_conflict_do_nothing())
        if inserted.rowcount == 1:
            return after
        # another instance counted this number's first miss at the same moment: count after it
        after = domain.after_miss(await _read_misses(session, case_number), now, rules)
    await session.execute(_MISSES.update().where(_MISSES.c.case_number == case_number).values(**_row(after, now)))
    return after


def _answer(row: Any) -> dict[str, Any]:
    status, level = CaseStatus(row.status), Level(row.level)
    step = domain.next_step(status, level, START_LEVEL[Channel(row.channel)])
    updated = utc(row.status_changed_at) or utc(row.registered_at)
    return {"case_number": row.case_number, "status": status.value, "level": level.value,
            "next_step": {"code": step.code.value, "id": step.id, "en": step.en},
            "updated_at": updated.isoformat() if updated else None}


async def check_status(*, sessions: async_sessionmaker[AsyncSession], case_number: str, phone_last4: str,
                       rules: domain.LockRules, now: datetime | None = None) -> dict[str, Any] | NoMatch | Locked:
    """The case's public status when the pair matches; ``NoMatch`` (counted as a miss of the number) or
    ``Locked`` otherwise."""
    now = now or datetime.now(UTC)
    async with sessions() as session, session.begin():
        misses = await _read_misses(session, case_number)
        if wait := domain.locked_for(misses, now):
            log.info("status_lookup_refused", reason="locked")
            return Locked(wait)
        row = (await session.execute(sa.select(
            t.cases.c.case_number, t.cases.c.phone, t.cases.c.erased_at, t.cases.c.status, t.cases.c.level,
            t.cases.c.channel, t.cases.c.registered_at, t.cases.c.status_changed_at,
        ).where(t.cases.c.case_number == case_number))).first()
        if domain.matches(found=row is not None, phone=row.phone if row else None,
                          erased=row is not None and row.erased_at is not None, last4=phone_last4):
            return _answer(row)
        after = await _record_miss(session, case_number, misses, now, rules)
    log.info("status_lookup_missed")
    if domain.locked_for(after, now):
        log.warning("status_lookup_locked", lock_seconds=rules.lock.total_seconds())
    return NoMatch()


def purge_horizons(settings: IntakeSettings) -> list[Horizon]:
    """A case number's misses are forgotten once its last miss is older than both the window and the lock."""
    keep = timedelta(seconds=max(settings.status_miss_window_seconds, settings.status_lock_seconds))
    return [Horizon("status_lookup_misses", _MISSES, _MISSES.c.last_miss_at, keep)]
