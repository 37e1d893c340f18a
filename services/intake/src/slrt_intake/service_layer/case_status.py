"""Intake follows what routing reports about its cases (``slrt.case.events``), so that "an open case of this
citizen" means the same in intake as in routing. Idempotent through the inbox, in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from slrt_shared.codes import CaseStatus, Level
from slrt_shared.contracts import case_events as ce
from slrt_shared.contracts.base import EventData, parse_tolerant
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.inbox import first_delivery
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


async def follow(*, sessions: async_sessionmaker[AsyncSession], event: CloudEvent) -> bool:
    """Apply one report to intake's copy of the case; False when it was not one to follow or seen before."""
    followed = FOLLOWED.get(event.type)
    if followed is None:
        return False  # intake's own events and others' come back on this topic: nothing to do
    model, change = followed
    report = parse_tolerant(model, event.data)
    case_id = report.case_id
    async with sessions() as session, session.begin():
        if not await first_delivery(session, t.inbox, CONSUMER, event):
            return False
        row = (await session.execute(sa.select(t.cases.c.status, t.cases.c.level)
                                     .where(t.cases.c.case_id == case_id))).first()
        if row is None:
            log.info("report_on_unknown_case", ce_type=event.type, case_id=case_id)
            return False
        if isinstance(report, ce.ReferralDispatched):
            await session.execute(t.referral_owners.insert().values(
                referral_id=report.referral_id, case_id=case_id, owner_id=report.owner_id,
                programme=report.programme.value))
        status = domain.status_after(CaseStatus(row.status), change)
        level = _level(report) or Level(row.level)
        if status.value == row.status and level.value == row.level:
            return True
        values: dict[str, object] = {"level": level.value}
        if status.value != row.status:
            values |= {"status": status.value, "status_changed_at": event.time or datetime.now(UTC)}
        await session.execute(t.cases.update().where(t.cases.c.case_id == case_id).values(**values))
    return True
