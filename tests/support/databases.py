"""A service's database from outside: migrated as the service migrates it at start, and looked into as an
operator would (the rows a statement answers)."""

from __future__ import annotations

import importlib
from typing import Any

import sqlalchemy as sa
from slrt_shared import db
from sqlalchemy.ext.asyncio import AsyncEngine


async def migrate(service: str, engine: AsyncEngine) -> None:
    """``service``'s migrations to head, as the service runs them at start."""
    app = importlib.import_module(f"slrt_{service}.app")
    await db.upgrade(engine, app.MIGRATIONS, version_table=f"alembic_version_{service}")


async def rows(database_url: str, statement: str) -> list[Any]:
    engine = db.create_engine(database_url, reads_only=True)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.text(statement))).all())
    finally:
        await engine.dispose()
