"""Take back into the event log what the broker still retains and the log lacks, before a rebuild.

Each retained event goes through the live projection's own path (inbox, event log, read models) in a batch
per transaction, so an event the service already has is skipped, one it never had (a log restored from an
older backup, events from before the service was deployed) is logged and projected once, and the live
projection, which shares the inbox, never takes it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slrt_shared.settings import ServiceSettings
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_reporting.adapters.retained import Retained, retained_events
from slrt_reporting.service_layer.projector import take

Progress = Callable[[int, int], None]


async def backfill(settings: ServiceSettings, sessions: async_sessionmaker[AsyncSession], consumer: str,
                   topics: list[str], *, since: datetime | None = None,
                   progress: Progress | None = None) -> tuple[Retained, int]:
    """Returns what the broker held and how many of its events were new to the event log."""
    retained = Retained()
    added = 0
    async for events in retained_events(settings, topics, since=since, retained=retained):
        async with sessions() as session, session.begin():
            added += len(await take(session, consumer, events, strict=False))
        if progress:
            progress(retained.read, max(retained.total, retained.read))
    return retained, added
