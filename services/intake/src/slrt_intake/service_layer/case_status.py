"""Intake follows what routing reports about its cases (``slrt.case.events``), so that "an open case of this
citizen" means the same in intake as in routing. Idempotent through the inbox, in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts import case_events as ce
from slrt_contracts.base import EventData, parse_tolerant
from slrt_contracts.codes import CaseStatus, Level
from slrt_contracts.envelope import CloudEvent
from slrt_shared.inbox import first_deliveries_of
from slrt_shared.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.domain import case as domain

CONSUMER = "intake-case-events"
log = get_logger(__name__)

#: The reports intake follows, by ``ce_type``, with the change they stand for.
FOLLOWED: dict[str, tuple[type[ce.CaseEvent], str]] = {
    ce.ReferralDispatched.ce_type: (ce.ReferralDispatched, "referral.dispatched"),
    ce.ReferralAccepted.ce_type: (ce.ReferralAccepted, "referral.accepted"),
    ce.ReferralInProgress.ce_type: (ce.ReferralInProgress, "referral.in_progress"),
    ce.CaseEscalated.ce_type: (ce.CaseEscalated, "case.escalated"),
    ce.CaseResolved.ce_type: (ce.CaseResolved, "case.resolved"),
    ce.CaseClosed.ce_type: (ce.CaseClosed, "case.closed"),
    ce.CaseReopened.ce_type: (ce.CaseReopened, "case.reopened"),
}


def _level(report: EventData) -> Level | None:
    if isinstance(report, ce.CaseEscalated):
        return report.to_level
    if isinstance(report, ce.CaseMilestone):
        return report.level
    if isinstance(report, ce.ReferralDispatched):
        return report.case_level
    return None


async def follow(*, sessions: async_sessionmaker[AsyncSession], events: list[CloudEvent]) -> int:
    """Apply a batch of reports to intake's copies of the cases, in one transaction and in order; returns how
    many were applied (not one to follow, seen before, or about a case intake does not know: skipped)."""
    reports = [(event, *FOLLOWED[event.type]) for event in events if event.type in FOLLOWED]
    if not reports:
        return 0  # intake's own events and others' come back on this topic: nothing to do
    parsed = [(event, (parse_tolerant(model, event.data), change)) for event, model, change in reports]
    async with sessions() as session, session.begin():
        parsed = await first_deliveries_of(session, t.inbox, CONSUMER, parsed)
        case_ids = sorted({report.case_id for _, (report, _) in parsed})
        if not case_ids:
            return 0
        cases = {row.case_id: {"status": row.status, "level": row.level} for row in await session.execute(
            sa.select(t.cases.c.case_id, t.cases.c.status, t.cases.c.level).where(t.cases.c.case_id.in_(case_ids)))}
        before = {case_id: dict(row) for case_id, row in cases.items()}
        owners, applied = [], 0
        for event, (report, change) in parsed:
            row = cases.get(report.case_id)
            if row is None:
                log.info("report_on_unknown_case", ce_type=event.type, case_id=report.case_id)
                continue
            applied += 1
            if isinstance(report, ce.ReferralDispatched):
                owners.append({"referral_id": report.referral_id, "case_id": report.case_id,
                               "owner_id": report.owner_id, "programme": report.programme.value})
            status = domain.status_after(CaseStatus(row["status"]), change)
            row["level"] = (_level(report) or Level(row["level"])).value
            if status.value != row["status"]:
                row.update(status=status.value, status_changed_at=event.time or datetime.now(UTC))
        if owners:
            await session.execute(t.referral_owners.insert(), owners)
        await _write_changed(session, [{"_case_id": case_id, **row} for case_id, row in cases.items()
                                       if row != before[case_id]])
    return applied


async def _write_changed(session: AsyncSession, changed: list[dict[str, Any]]) -> None:
    """One statement with many parameter sets per set of changed columns (a case's first referral changes its
    status and level: most cases of a batch change)."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in changed:
        by_columns.setdefault(tuple(sorted(values)), []).append(values)
    for columns, rows in by_columns.items():
        stmt = t.cases.update().where(t.cases.c.case_id == sa.bindparam("_case_id")).values(
            {c: sa.bindparam(c) for c in columns if c != "_case_id"})
        await session.execute(stmt, rows)
