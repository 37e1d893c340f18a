"""The inbox: idempotent consumers. ``(consumer, ce_source, ce_id)`` is recorded in the same transaction as
the consumer's effects; a duplicate is recognised and skipped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.db import upsert


def define_inbox(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(100), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


def create_inbox_table(op: Any) -> None:
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(100), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )


async def first_delivery(session: AsyncSession, inbox: sa.Table, consumer: str, event: CloudEvent) -> bool:
    """Record the event for ``consumer``; False when it was recorded before (a duplicate to skip)."""
    insert = upsert(session, inbox)
    stmt = insert.values(
        consumer=consumer, source=event.source[:200], event_id=event.id[:100], received_at=datetime.now(UTC)
    ).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return bool(result.rowcount == 1)
