"""Reporting's subscribers: every case event and notification event is kept once (inbox) in the durable event
log and projected into the read models, a batch per transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slrt_contracts import CloudEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_reporting.service_layer.projector import take

CONSUMER = "reporting-projection"


def projection_batch_handler(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[list[CloudEvent]], Awaitable[None]]:
    async def handle(events: list[CloudEvent]) -> None:
        async with sessions() as session, session.begin():
            await take(session, CONSUMER, events)

    return handle


def projection_handler(sessions: async_sessionmaker[AsyncSession]) -> Callable[[CloudEvent], Awaitable[None]]:
    """One event alone: the fallback when a batch fails, so a poison event is isolated."""
    batch = projection_batch_handler(sessions)

    async def handle(event: CloudEvent) -> None:
        await batch([event])

    return handle
