"""The retention limit for closed cases (UU 27/2022: kept no longer than the purpose needs): a sweep erases the
personal data of every case closed longer than ``SLRT_CLOSED_CASE_RETENTION_DAYS`` ago, as an erasure with
reason ``retention``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slrt_contracts.topics import Topics
from slrt_shared.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.service_layer.erasure import erase_expired

log = get_logger(__name__)


async def sweep_once(*, sessions: async_sessionmaker[AsyncSession], topics: Topics, keep: timedelta,
                     now: datetime | None = None, batch: int = 200) -> int:
    """Erase every case closed before ``now - keep``; returns how many."""
    closed_before = (now or datetime.now(UTC)) - keep
    total = 0
    while True:
        n = await erase_expired(sessions=sessions, topics=topics, closed_before=closed_before, limit=batch)
        total += n
        if n < batch:
            break
    if total:
        log.info("retention_erased", cases=total, closed_before=closed_before.isoformat())
    return total


async def run_retention(*, sessions: async_sessionmaker[AsyncSession], topics: Topics, keep: timedelta,
                        every_seconds: float, wake: Callable[[], None]) -> None:
    """Sweep now and then every ``every_seconds``; a failed sweep (the database away) is tried at the next."""
    while True:
        try:
            if await sweep_once(sessions=sessions, topics=topics, keep=keep):
                wake()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("retention_sweep_failed", error=type(exc).__name__)
        await asyncio.sleep(every_seconds)
