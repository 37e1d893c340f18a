"""A business transition is logged once its transaction commits, with the case and its trace and only coded
fields; a rolled-back transaction logs nothing."""

from __future__ import annotations

import io
import json
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slrt_contracts.case_events import CaseEscalated
from slrt_contracts.codes import Level
from slrt_contracts.envelope import to_kafka
from slrt_shared import db
from slrt_shared.logging import configure_logging
from slrt_shared.outbox import add_to_outbox, define_outbox
from sqlalchemy import MetaData


@pytest.fixture
def lines() -> io.StringIO:
    configure_logging(service="routing", fmt="json", level="INFO")
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(logging.getLogger().handlers[0].formatter)
    logging.getLogger().addHandler(capture)
    yield stream
    logging.getLogger().removeHandler(capture)


async def test_a_transition_is_logged_when_it_commits_and_not_when_it_rolls_back(tmp_path: Path,
                                                                                  lines: io.StringIO) -> None:
    metadata = MetaData()
    outbox = define_outbox(metadata)
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    sessions = db.session_factory(engine)
    trace_id = uuid.uuid4().hex

    def escalation(case_id: str) -> object:
        event = CaseEscalated(case_id=case_id, from_level=Level.DESA, to_level=Level.KECAMATAN, reason="manual",
                              deadline=datetime(2026, 12, 9, tzinfo=UTC))
        return to_kafka(event, topic="slrt.case.events", source="/t", key=case_id,
                        trace_headers={"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"})

    committed, rolled_back = str(uuid.uuid4()), str(uuid.uuid4())
    async with sessions() as session, session.begin():
        await add_to_outbox(session, outbox, [escalation(committed)])
        assert "case_escalated" not in lines.getvalue(), "not before the commit"
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await add_to_outbox(session, outbox, [escalation(rolled_back)])
            raise RuntimeError("the transaction fails")
    await engine.dispose()
    logged = [json.loads(line) for line in lines.getvalue().splitlines() if "case_escalated" in line]
    assert [(e["case_id"], e["trace_id"]) for e in logged] == [(committed, trace_id)]
    assert logged[0]["from_level"] == "desa" and logged[0]["to_level"] == "kecamatan"
    assert logged[0]["reason"] == "manual" and logged[0]["level"] == "info"
