"""The timer sweep on the real databases: one batch holding every kind of due timer does what each alone would
(escalate, report overdue once, follow a deadline that moved, close, drop timers of resolved or unknown cases)
and writes its events in order per case to the outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from slrt_contracts.topics import Topics
from slrt_routing.adapters import tables as t
from slrt_routing.app import MIGRATIONS
from slrt_routing.domain.rules import load_rule_book
from slrt_routing.service_layer.context import Routing, SlaPolicy
from slrt_routing.service_layer.timers import sweep
from slrt_routing.settings import DEFAULT_RULES
from slrt_shared import db
from slrt_shared.db import utc

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # a Monday, 10:00 WIB
PAST = NOW - timedelta(minutes=5)
LATER = NOW + timedelta(days=2)


def _case(case_id: str, *, level: str = "desa", status: str = "referred", deadline: datetime | None = PAST,
          overdue: bool = False) -> dict[str, object]:
    return dict(case_id=case_id, case_number=f"3201-2026-{abs(hash(case_id)) % 999_999:06d}",
                region_code="32.01.01.1002", channel="puskesos", start_level="desa", level=level, status=status,
                needs=["PKH"], ppks=[24], dtsen_status="registered", rules_version="test", deadline=deadline,
                overdue=overdue, complaints=0, registered_at=NOW - timedelta(days=10))


CASES = [
    _case("a-desa"),                                            # escalates to kecamatan
    _case("b-kecamatan", level="kecamatan"),                    # escalates to kabupaten
    _case("c-kabupaten", level="kabupaten"),                    # overdue, once
    _case("d-already-overdue", level="kabupaten", overdue=True),  # nothing more to say
    _case("e-moved", deadline=LATER),                           # the clock moved on: the timer follows
    _case("f-resolved", status="resolved"),                     # SLA timer dropped; closed by its close timer
    _case("g-closed", status="closed"),                         # stale timers dropped
]
TIMERS = [("a-desa", "sla"), ("b-kecamatan", "sla"), ("c-kabupaten", "sla"), ("d-already-overdue", "sla"),
          ("e-moved", "sla"), ("f-resolved", "sla"), ("f-resolved", "close"), ("g-closed", "close"),
          ("z-unknown", "sla")]


async def test_one_batch_of_every_kind_of_due_timer(database_url: str) -> None:
    engine = db.create_engine(database_url)
    await db.upgrade(engine, MIGRATIONS, version_table="alembic_version_routing")
    sessions = db.session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(t.cases.insert(), CASES)
        await session.execute(t.timers.insert(), [dict(case_id=c, kind=k, due_at=PAST) for c, k in TIMERS])
    rules = load_rule_book(DEFAULT_RULES)
    routing = Routing(sessions=sessions, rules=rules, sla=SlaPolicy(ladder=dict(rules.sla_working_days)),
                      topics=Topics(""), close_after=timedelta(days=14))
    try:
        assert await sweep(routing, now=NOW, batch=500) == len(TIMERS)
        assert await sweep(routing, now=NOW, batch=500) == 0  # fired once

        async with engine.connect() as conn:
            cases = {r.case_id: r for r in (await conn.execute(sa.select(t.cases))).all()}
            timers = {(r.case_id, r.kind): utc(r.due_at) for r in (await conn.execute(sa.select(t.timers))).all()}
            outbox = (await conn.execute(sa.select(t.outbox).order_by(t.outbox.c.id))).all()

        assert (cases["a-desa"].level, cases["b-kecamatan"].level) == ("kecamatan", "kabupaten")
        assert cases["c-kabupaten"].overdue and cases["c-kabupaten"].level == "kabupaten"
        assert cases["f-resolved"].status == "closed" and cases["f-resolved"].closed_at is not None
        assert cases["g-closed"].status == "closed" and cases["e-moved"].level == "desa"
        assert set(timers) == {("a-desa", "sla"), ("b-kecamatan", "sla"), ("e-moved", "sla")}
        assert timers[("a-desa", "sla")] == utc(cases["a-desa"].deadline) > NOW + timedelta(days=1)
        assert timers[("b-kecamatan", "sla")] == utc(cases["b-kecamatan"].deadline) > NOW
        assert timers[("e-moved", "sla")] == LATER

        events = sorted((r.key, dict(r.headers)["ce_type"], json.loads(r.value)) for r in outbox)
        assert [(key, kind) for key, kind, _ in events] == [
            ("a-desa", "id.slrt.case.escalated.v1"), ("b-kecamatan", "id.slrt.case.escalated.v1"),
            ("c-kabupaten", "id.slrt.case.overdue.v1"), ("f-resolved", "id.slrt.case.closed.v1")]
        escalated = events[0][2]
        assert (escalated["from_level"], escalated["to_level"], escalated["reason"]) == ("desa", "kecamatan",
                                                                                        "sla_expired")
        assert datetime.fromisoformat(escalated["deadline"]) == utc(cases["a-desa"].deadline)
    finally:
        await engine.dispose()
