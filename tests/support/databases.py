"""A look into a service's database from outside, as an operator would: the rows a statement answers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from slrt_shared import db


async def rows(database_url: str, statement: str) -> list[Any]:
    engine = db.create_engine(database_url, reads_only=True)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.text(statement))).all())
    finally:
        await engine.dispose()
