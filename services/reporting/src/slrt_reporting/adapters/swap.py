"""A fresh set of read-model tables, filled beside the live ones and swapped in atomically.

PostgreSQL: the fresh tables live in a schema of their own (``slrt_rebuild_<token>``) with the live names and
index names; the swap moves the live tables to a retired schema and the fresh ones into the live schema, in one
transaction, then drops both helper schemas.

SQLite: the fresh tables are ``rebuild_<token>_<name>`` without secondary indexes (faster to fill); the swap
drops the live tables, renames the fresh ones and creates the indexes under their usual names, in one
transaction (SQLite takes the database's write lock for it).

Either way the swapped-in tables are exactly what the migrations make, so later migrations apply to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from slrt_shared.db import is_postgres
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from slrt_reporting.adapters import tables as t
from slrt_reporting.adapters.tables import ReadModel, read_model


@dataclass(frozen=True)
class FreshTables:
    token: str
    metadata: sa.MetaData
    model: ReadModel
    schema: str | None


def _quote(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError("unexpected identifier")
    return f'"{name}"'


async def create_fresh(engine: AsyncEngine, token: str) -> FreshTables:
    metadata = sa.MetaData()
    if is_postgres(engine):
        schema = f"slrt_rebuild_{token}"
        fresh = FreshTables(token, metadata, read_model(metadata, schema=schema), schema)
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"CREATE SCHEMA {_quote(schema)}"))
            await conn.run_sync(metadata.create_all)
        return fresh
    fresh = FreshTables(token, metadata, read_model(metadata, prefix=f"rebuild_{token}_", indexes=False), None)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return fresh


async def discard(engine: AsyncEngine, fresh: FreshTables) -> None:
    async with engine.begin() as conn:
        if fresh.schema:
            await conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {_quote(fresh.schema)} CASCADE"))
        else:
            await conn.run_sync(fresh.metadata.drop_all)


async def hold_event_log(session: AsyncSession) -> None:
    """Stop the live projection from logging more events until this transaction ends (PostgreSQL; SQLite's
    ``BEGIN IMMEDIATE`` already holds the write lock). Whoever was logging when this was asked finishes first."""
    if is_postgres(session):
        await session.execute(sa.text(f"LOCK TABLE {_quote(t.event_log.name)} IN EXCLUSIVE MODE"))


async def swap_in(session: AsyncSession, fresh: FreshTables) -> None:
    """Replace the live read models by the fresh ones, inside the caller's transaction."""
    if fresh.schema:
        live = _quote(str(await session.scalar(sa.text("SELECT current_schema()"))))
        retired = _quote(f"slrt_retired_{fresh.token}")
        await session.execute(sa.text(f"CREATE SCHEMA {retired}"))
        for table in t.LIVE.tables:
            name = _quote(table.name)
            await session.execute(sa.text(f"ALTER TABLE {live}.{name} SET SCHEMA {retired}"))
            await session.execute(sa.text(f"ALTER TABLE {_quote(fresh.schema)}.{name} SET SCHEMA {live}"))
        await session.execute(sa.text(f"DROP SCHEMA {retired} CASCADE"))
        await session.execute(sa.text(f"DROP SCHEMA {_quote(fresh.schema)} CASCADE"))
        return
    for live, new in zip(t.LIVE.tables, fresh.model.tables, strict=True):
        await session.execute(sa.text(f"DROP TABLE {_quote(live.name)}"))
        await session.execute(sa.text(f"ALTER TABLE {_quote(new.name)} RENAME TO {_quote(live.name)}"))
    for live in t.LIVE.tables:
        for index in sorted(live.indexes, key=lambda i: str(i.name)):
            await session.execute(sa.schema.CreateIndex(index))
