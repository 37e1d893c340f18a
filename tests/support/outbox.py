"""A look into a service's outbox from outside, as an operator would: how many rows wait to be published."""

from __future__ import annotations

import sqlalchemy as sa
from slrt_shared import db


async def unpublished(database_url: str, outbox: sa.Table) -> int:
    engine = db.create_engine(database_url)
    try:
        async with engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()
