"""Erasure (``case.erased``): routing forgets the free text it holds of the case: the owners' reasons and notes, the
supervisors' escalation notes.
What stays is what routing needs to keep the case moving: the referrals, their owners, statuses and deadlines.
The case's events already published leave the outbox too (it keeps published rows a while), and so do its
quarantined rows (``slrt_shared.outbox``), which would otherwise keep what they say until an operator acts."""

from __future__ import annotations

import sqlalchemy as sa
from slrt_contracts.case_events import CaseErased
from slrt_shared import audit
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_routing.adapters import tables as t

FORGOTTEN = "personal_data_forgotten"  # the audit trail's row: this service honoured the erasure


async def on_case_erased(session: AsyncSession, event: CaseErased) -> None:
    await session.execute(t.referrals.update().where(t.referrals.c.case_id == event.case_id)
                          .values(reason=None, note=None))
    await session.execute(t.escalations.update().where(t.escalations.c.case_id == event.case_id)
                          .values(note=None))
    await audit.record(session, t.audit_log, principal=None, action=FORGOTTEN, case_id=event.case_id,
                       detail={"reason": event.reason.value})
    await session.execute(t.outbox.delete().where(t.outbox.c.key == event.case_id, sa.or_(
        t.outbox.c.published_at.is_not(None), t.outbox.c.quarantined_at.is_not(None))))
