"""Intake's audit log moves to the shared shape (migration 0004) keeping every row written before: the old
``actor`` becomes the subject (``unknown`` where none was kept), the role is ``unknown``, and from then on the
table is append-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from slrt_intake.adapters import tables as t
from slrt_intake.app import MIGRATIONS
from slrt_shared import db
from sqlalchemy.exc import DBAPIError

VERSIONS = "alembic_version_intake"
AT = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)


async def _upgrade(engine: Any, to: str) -> None:
    def run(connection: Any) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        cfg.attributes["version_table"] = VERSIONS
        command.upgrade(cfg, to)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def test_rows_written_before_are_kept_in_the_new_shape(database_url: str) -> None:
    engine = db.create_engine(database_url)
    try:
        await _upgrade(engine, "0003")
        old = sa.table("audit_log", sa.column("at", sa.DateTime(timezone=True)), sa.column("action", sa.String),
                       sa.column("case_id", sa.String), sa.column("citizen_ref", sa.String),
                       sa.column("actor", sa.String), sa.column("detail", sa.JSON))
        async with engine.begin() as conn:
            await conn.execute(old.insert(), [
                {"at": AT, "action": "case_viewed", "case_id": "case-1", "citizen_ref": "cit_1", "actor": "op-7",
                 "detail": {"owner": "dinsos-pbi@32.01", "programme": "PBI-JK"}},
                {"at": AT, "action": "citizen_cases_viewed", "case_id": None, "citizen_ref": "cit_1", "actor": None,
                 "detail": {"cases": 1}}])
        await db.upgrade(engine, MIGRATIONS, version_table=VERSIONS)  # to head, as intake does at start
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(t.audit_log).order_by(t.audit_log.c.id))).all()
        assert [(r.subject, r.role, r.action, r.case_id, r.citizen_ref, r.request_id, r.trace_id, r.detail)
                for r in rows] == [
            ("op-7", "unknown", "case_viewed", "case-1", "cit_1", None, None,
             {"owner": "dinsos-pbi@32.01", "programme": "PBI-JK"}),
            ("unknown", "unknown", "citizen_cases_viewed", None, "cit_1", None, None, {"cases": 1})]
        assert db.utc(rows[0].at) == AT
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(t.audit_log.delete())
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(t.audit_log.update().values(subject="someone-else"))
    finally:
        await engine.dispose()
