"""The relay's read on a large outbox with a backlog, on SQLite and PostgreSQL: it goes through the partial
indexes, so its cost follows the batch, not the published rows the table keeps or the square of the backlog (a
fresh table has no planner statistics, as in the first minutes of a service under load)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from slrt_shared import db
from slrt_shared.outbox import any_held, define_outbox, pending_rows, published_before

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _row(i: int, *, published: bool, quarantined: bool = False) -> dict[str, object]:
    return dict(topic="slrt.case.events", key=f"case-{i % 500}", value=b"{}", headers=[], created_at=NOW,
                published_at=NOW - timedelta(hours=1) if published else None,
                quarantined_at=NOW if quarantined else None, quarantine_reason="too_large" if quarantined else None)


async def _plan(conn: sa.AsyncConnection, engine: sa.AsyncEngine, query: sa.Select) -> str:
    sql = str(query.compile(engine.sync_engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN " if db.is_postgres(engine) else "EXPLAIN QUERY PLAN "
    return " ".join(str(row[-1]) for row in await conn.exec_driver_sql(explain + sql))


async def test_the_relay_reads_its_backlog_through_the_partial_indexes(database_url: str) -> None:
    md = sa.MetaData()
    outbox = define_outbox(md)
    engine = db.create_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(md.create_all)
        await conn.execute(outbox.insert(), [_row(i, published=True) for i in range(20_000)])
        await conn.execute(outbox.insert(), [_row(i, published=False) for i in range(3_000)])
    async with engine.connect() as conn:
        plain = await _plan(conn, engine, pending_rows(outbox, 500, held_back=False))
        check = await _plan(conn, engine, any_held(outbox))
        checked = await _plan(conn, engine, pending_rows(outbox, 500, held_back=True))
        purge = await _plan(conn, engine, sa.select(outbox.c.id).where(published_before(outbox, NOW)))
        nothing_held = (await conn.execute(any_held(outbox))).scalar()
        first = [r.id for r in await conn.execute(pending_rows(outbox, 500, held_back=False))]
    async with engine.begin() as conn:
        await conn.execute(outbox.insert(), [_row(7, published=False, quarantined=True)])
    async with engine.connect() as conn:
        held = (await conn.execute(any_held(outbox))).scalar()
        behind = [r.key for r in await conn.execute(pending_rows(outbox, 5_000, held_back=True))]
    await engine.dispose()
    for plan in (plain, checked):  # the pending rows in id order, straight from their index: no sort, no scan
        assert "ix_outbox_unpublished" in plan, plan
        assert not re.search(r"Sort|TEMP B-TREE|Seq Scan|SCAN outbox(?! USING)", plan), plan
    assert "ix_outbox_held" in check, check
    assert "ix_outbox_held" in checked, checked  # each row's look for a quarantined row before it
    if not db.is_postgres(engine):  # PostgreSQL may rather read the table for a purge of most of it
        assert "ix_outbox_published" in purge, purge
    assert nothing_held is None and held is not None
    assert first == list(range(20_001, 20_501))  # the oldest pending rows, in order
    assert len(behind) == 3_000 and "case-7" in behind  # rows of its key written before it still flow
