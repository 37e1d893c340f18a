"""Erasure (``case.erased``, and the contacts topic's tombstone): notification forgets the citizen's contacts
and what its messages to the citizen said; undelivered citizen notifications are dropped. Officers'
notifications about the case keep their (personal-data-free) contents: they were addressed to officers."""

from __future__ import annotations

from datetime import UTC, datetime

from slrt_shared import audit
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_notification.adapters import tables as t

ERASED_NOTE = "personal data erased"
FORGOTTEN = "personal_data_forgotten"  # the audit trail's row: this service honoured the erasure


async def forget_citizen(session: AsyncSession, case_id: str, *, contents: bool) -> None:
    """Drop the case's contacts and skip its pending citizen notifications; with ``contents``, also blank
    what the citizen's sent messages said (the erasure event; a tombstone alone keeps it)."""
    n = t.notifications
    await session.execute(t.contacts.delete().where(t.contacts.c.case_id == case_id))
    await session.execute(n.update().where(n.c.case_id == case_id, n.c.recipient == "citizen",
                                           n.c.status == "pending").values(
        status="skipped", finished_at=datetime.now(UTC), last_error=ERASED_NOTE))
    if contents:
        await session.execute(n.update().where(n.c.case_id == case_id, n.c.recipient == "citizen")
                              .values(context={}, address=None))
        await audit.record(session, t.audit_log, principal=None, action=FORGOTTEN, case_id=case_id)
