"""The audit table on SQLite and PostgreSQL, made by the migration helper as a service's migration makes it:
rows written in the caller's transaction, read back page by page and by case or subject, and no UPDATE,
DELETE (or, on PostgreSQL, TRUNCATE) accepted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from slrt.scratch import PostgresServer
from slrt_shared import db
from slrt_shared.access.principal import NATIONAL, Principal, Role
from slrt_shared.audit import audit_page, create_audit_table, define_audit, record, record_cases
from slrt_shared.paging import BadCursor, encode_cursor
from slrt_shared.request_ids import bound_request_id
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

TABLE = define_audit(sa.MetaData())
ADMIN = Principal(sub="admin-1", role=Role.ADMIN, scope=NATIONAL)
OPERATOR = Principal(sub="op-cibinong", role=Role.OPERATOR, scope="32.01.01")


async def _migrated(url: str) -> AsyncEngine:
    engine = db.create_engine(url)

    def migrate(connection: Any) -> None:
        create_audit_table(Operations(MigrationContext.configure(connection)))

    async with engine.begin() as conn:
        await conn.run_sync(migrate)
    return engine


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await _migrated(database_url)
    yield engine
    await engine.dispose()


async def _write(engine: AsyncEngine) -> None:
    sessions = db.session_factory(engine)
    async with sessions() as session, session.begin():
        with bound_request_id("req-1"):
            await record(session, TABLE, principal=OPERATOR, action="case_viewed", case_id="case-a",
                         citizen_ref="cit_1", detail={"programme": "PKH"})
        await record(session, TABLE, principal=ADMIN, action="case_viewed", case_id="case-b")
        await record_cases(session, TABLE, principal=OPERATOR, action="referrals_listed",
                           case_ids=["case-a", "case-b", "case-a"])
        await record(session, TABLE, principal=None, action="personal_data_erased", case_id="case-a")
    async with sessions() as session, session.begin():  # a transaction that fails leaves no row
        await record(session, TABLE, principal=ADMIN, action="never", case_id="case-a")
        await session.rollback()


async def test_rows_are_read_back_in_order_by_case_and_subject_page_by_page(engine: AsyncEngine) -> None:
    await _write(engine)
    async with db.session_factory(engine)() as session:
        everything = await audit_page(session, TABLE, limit=500)
        assert [(e["subject"], e["role"], e["action"], e["case_id"]) for e in everything["items"]] == [
            ("op-cibinong", "operator", "case_viewed", "case-a"), ("admin-1", "admin", "case_viewed", "case-b"),
            ("op-cibinong", "operator", "referrals_listed", "case-a"),
            ("op-cibinong", "operator", "referrals_listed", "case-b"),
            ("system", "system", "personal_data_erased", "case-a")]
        assert everything["next_cursor"] is None
        first = everything["items"][0]
        assert (first["request_id"], first["citizen_ref"], first["detail"]) == ("req-1", "cit_1", {"programme": "PKH"})
        assert everything["items"][1]["request_id"] is None

        case_a = await audit_page(session, TABLE, case_id="case-a")
        assert [e["action"] for e in case_a["items"]] == ["case_viewed", "referrals_listed", "personal_data_erased"]
        mine = await audit_page(session, TABLE, case_id="case-b", subject="op-cibinong")
        assert [e["action"] for e in mine["items"]] == ["referrals_listed"]

        seen, cursor = [], None
        while True:
            page = await audit_page(session, TABLE, limit=2, cursor=cursor)
            assert len(page["items"]) <= 2
            seen += [e["id"] for e in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert seen == [e["id"] for e in everything["items"]]
        for bad in ("not-a-cursor", encode_cursor(datetime(2026, 3, 2, tzinfo=UTC), "not-a-row-id")):
            with pytest.raises(BadCursor):
                await audit_page(session, TABLE, cursor=bad)


@pytest.mark.parametrize("change", [
    pytest.param(lambda t: t.update().values(subject="someone-else"), id="update"),
    pytest.param(lambda t: t.update().where(t.c.action == "case_viewed").values(detail=None), id="update-one"),
    pytest.param(lambda t: t.delete(), id="delete"),
    pytest.param(lambda t: t.delete().where(t.c.case_id == "case-a"), id="delete-one"),
])
async def test_the_database_refuses_to_change_or_remove_a_row(engine: AsyncEngine, change: Any) -> None:
    await _write(engine)
    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(change(TABLE))
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(TABLE.c.subject, TABLE.c.detail).order_by(TABLE.c.id))).all()
    assert len(rows) == 5 and rows[0] == ("op-cibinong", {"programme": "PKH"})


async def test_postgresql_refuses_truncate_too(postgres: PostgresServer) -> None:
    async with postgres.database() as url:
        engine = await _migrated(url)
        try:
            await _write(engine)
            with pytest.raises(DBAPIError, match="append-only"):
                async with engine.begin() as conn:
                    await conn.execute(sa.text("TRUNCATE audit_log"))
        finally:
            await engine.dispose()
