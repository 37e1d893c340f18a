"""``case.erased``: reporting forgets the case's free text (timeline, owners' reasons) and the citizen's pseudonym
(event log), live and after a replay, while the case's anonymous facts and the figures stay."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from slrt_reporting.adapters import tables as t
from slrt_reporting.replay import replay
from slrt_shared import db

from tests.integration.reporting.stories import Story, case_when, reporting, settings_for
from tests.support.kafka import publish

DESA = "32.01.01.1002"
FREE_TEXT = "Ibu Wulan sakit keras"


async def _stored(database_url: str, case_id: str) -> str:
    engine = db.create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = [(await conn.execute(sa.select(table).where(table.c.key == case_id if table is t.event_log
                                                              else table.c.case_id == case_id))).all()
                    for table in (t.event_log, t.timeline, t.referrals, t.cases)]
    finally:
        await engine.dispose()
    return repr(rows)


async def test_an_erased_case_keeps_no_free_text_or_pseudonym(kafka_broker, topic_prefix, database_url) -> None:
    s = settings_for(kafka_broker, topic_prefix, database_url)
    story, kept = (Story(s, str(uuid.uuid4()), DESA, n) for n in (1, 2))
    for st in (story, kept):
        st.registered(), st.dispatched(f"r1-{st.case_id}"), st.answered(f"r1-{st.case_id}", "rejected", 1,
                                                                          reason=FREE_TEXT)
    story.erased(2)
    async with reporting(s) as client:
        await publish(kafka_broker.bootstrap, [*story.records, *kept.records])
        view = await case_when(client, story.case_id, lambda v: v["timeline"][-1]["type"] == "case.erased")
        await case_when(client, kept.case_id, lambda v: len(v["timeline"]) == 3)
        assert view["timeline"][-1]["reason"] == "citizen_request"
        assert view["status"] == "referred" and [r["status"] for r in view["referrals"]] == ["rejected"]
        stored = await _stored(s.database_url, story.case_id)
        assert FREE_TEXT not in stored and "cit_test" not in stored and FREE_TEXT not in repr(view)
        untouched = await _stored(s.database_url, kept.case_id)  # the check can see them where they are
        assert FREE_TEXT in untouched and "cit_test" in untouched

        result = await replay(s)  # rebuilt from the event log: still forgotten
        assert result.events == 7, result
        stored = await _stored(s.database_url, story.case_id)
        assert FREE_TEXT not in stored and "cit_test" not in stored
        assert story.case_id in stored, stored
        response = await client.get(f"/v1/cases/{story.case_id}")
        assert response.status_code == 200, response.text
        again = response.json()
        assert [e["type"] for e in again["timeline"]] == [e["type"] for e in view["timeline"]]
