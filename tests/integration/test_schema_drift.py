"""Each service's migrations make exactly what its tables module says (columns, indexes: the purge's index on
the inbox's ``received_at`` among them), on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from slrt_shared import db
from slrt_shared.inbox import RECEIVED_INDEX

from tests.support.databases import migrate


@pytest.mark.parametrize("service", ["intake", "routing", "notification", "reporting"])
async def test_the_migrations_make_the_tables_module(service: str, database_url: str) -> None:
    tables = importlib.import_module(f"slrt_{service}.adapters.tables")
    engine = db.create_engine(database_url)
    try:
        await migrate(service, engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), tables.metadata))
            indexes = await conn.run_sync(lambda c: {ix["name"] for ix in sa.inspect(c).get_indexes("inbox")})
    finally:
        await engine.dispose()
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("alembic_version"))] == []
    assert RECEIVED_INDEX in indexes
