"""Routing's erasure leaves none of the case's quarantined outbox rows behind (they would keep what the case's
events say until an operator acted); the rows of other cases, and the case's rows still to publish, stay."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from slrt_contracts.case_events import CaseErased
from slrt_contracts.codes import ErasureReason
from slrt_routing.adapters import tables as t
from slrt_routing.app import MIGRATIONS
from slrt_routing.service_layer.erasure import on_case_erased
from slrt_shared import db


async def test_erasure_drops_the_cases_published_and_quarantined_outbox_rows(database_url) -> None:
    engine = db.create_engine(database_url)
    now = datetime.now(UTC)
    try:
        await db.upgrade(engine, MIGRATIONS, version_table="alembic_version_routing")
        sessions = db.session_factory(engine)
        row = {"topic": "slrt.case.events", "value": b"{}", "headers": [], "created_at": now, "published_at": None,
               "quarantined_at": None, "quarantine_reason": None}
        async with sessions() as session, session.begin():
            await session.execute(t.outbox.insert(), [
                {**row, "key": "case-1", "published_at": now},
                {**row, "key": "case-1", "quarantined_at": now, "quarantine_reason": "too_large: X"},
                {**row, "key": "case-1"},
                {**row, "key": "case-2", "quarantined_at": now, "quarantine_reason": "too_large: X"},
            ])
        async with sessions() as session, session.begin():
            await on_case_erased(session, CaseErased(case_id="case-1", reason=ErasureReason.CITIZEN_REQUEST, at=now))
        async with sessions() as session:
            left = (await session.execute(sa.select(t.outbox.c.key, t.outbox.c.quarantined_at.is_not(None))
                                          .order_by(t.outbox.c.id))).all()
        assert [tuple(r) for r in left] == [("case-1", False), ("case-2", True)]
    finally:
        await engine.dispose()
