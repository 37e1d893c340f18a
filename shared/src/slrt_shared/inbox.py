"""The inbox: idempotent consumers. ``(consumer, ce_source, ce_id)`` is recorded in the same transaction as
the consumer's effects; a duplicate is recognised and skipped.

A row is needed only as long as the broker could deliver its event again: ``slrt_shared.purge`` deletes rows
older than ``SLRT_DEDUP_RETENTION_HOURS`` (by ``received_at``, indexed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from slrt_contracts.envelope import CloudEvent
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_shared.db import upsert

T = TypeVar("T")

#: The index the purge finds old rows by (each service's migration adds it: ``create_inbox_received_index``).
RECEIVED_INDEX = "ix_inbox_received_at"


def define_inbox(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(100), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Index(RECEIVED_INDEX, "received_at"),
    )


def create_inbox_table(op: Any) -> None:
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(100), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def create_inbox_received_index(op: Any) -> None:
    """For a service's migration: the index of ``received_at`` (the first migration made the inbox without it)."""
    op.create_index(RECEIVED_INDEX, "inbox", ["received_at"])


def drop_inbox_received_index(op: Any) -> None:
    op.drop_index(RECEIVED_INDEX, "inbox")


def _key(event: CloudEvent) -> tuple[str, str]:
    """(source, id) as the inbox keeps them."""
    return event.source[:200], event.id[:100]


async def first_delivery(session: AsyncSession, inbox: sa.Table, consumer: str, event: CloudEvent) -> bool:
    """Record the event for ``consumer``; False when it was recorded before (a duplicate to skip)."""
    source, event_id = _key(event)
    insert = upsert(session, inbox)
    stmt = insert.values(
        consumer=consumer, source=source, event_id=event_id, received_at=datetime.now(UTC)
    ).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return bool(result.rowcount == 1)


async def first_deliveries(session: AsyncSession, inbox: sa.Table, consumer: str,
                           events: list[CloudEvent]) -> list[CloudEvent]:
    """Record a batch for ``consumer``; the events not recorded before, in order (duplicates within the batch
    dropped too).

    One insert that skips what the inbox holds and returns what it took: each row costs one look-up in the
    primary key, however large the inbox grows (a separate ``SELECT ... IN`` may be planned generically on
    PostgreSQL and then scan every row of the consumer)."""
    unique: dict[tuple[str, str], CloudEvent] = {}
    for event in events:
        unique.setdefault(_key(event), event)
    if not unique:
        return []
    now = datetime.now(UTC)
    insert = upsert(session, inbox).on_conflict_do_nothing().returning(inbox.c.source, inbox.c.event_id)
    taken = {(row.source, row.event_id) for row in await session.execute(insert, [
        {"consumer": consumer, "source": source, "event_id": event_id, "received_at": now}
        for source, event_id in unique])}
    return [event for key, event in unique.items() if key in taken]


async def first_deliveries_of(session: AsyncSession, inbox: sa.Table, consumer: str,
                              items: list[tuple[CloudEvent, T]]) -> list[tuple[CloudEvent, T]]:
    """``first_deliveries`` for events read with what was made of them: the pairs whose event is new to
    ``consumer``, in order."""
    fresh = {id(e) for e in await first_deliveries(session, inbox, consumer, [e for e, _ in items])}
    return [(event, made) for event, made in items if id(event) in fresh]
