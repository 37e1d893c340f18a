"""Erasure of a citizen's personal data from one case (UU PDP): intake blanks NIK, KK, name, phone, e-mail,
street, RT/RW and the descriptions, drops the case's contacts records still in the outbox, and publishes a
tombstone for the case on ``slrt.case.contacts`` (through the outbox, in the same transaction) so the
compacted topic and notification forget the contacts too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_shared.access.principal import NATIONAL
from slrt_shared.access.queries import within
from slrt_shared.contracts.envelope import KafkaRecord
from slrt_shared.db import utc
from slrt_shared.outbox import add_to_outbox
from slrt_shared.topics import Topics
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.domain import case as domain
from slrt_intake.service_layer.registration import CaseNotFound

ERASED = ""  # what an erased text column holds (the columns are NOT NULL)


def tombstone(topics: Topics, case_id: str) -> KafkaRecord:
    """Key ``case_id``, null value: compaction then drops every earlier contacts record of the case."""
    return KafkaRecord(topic=topics.case_contacts, key=case_id.encode(), value=None, headers=[])


async def erase_personal_data(
    *, sessions: async_sessionmaker[AsyncSession], topics: Topics, case_id: str, actor: str | None = None,
    scope: str = NATIONAL,
) -> dict[str, Any]:
    """Erase once; asking again answers the first erasure and publishes nothing more. A case outside ``scope``
    is not found, as one that does not exist."""
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        row = (await session.execute(sa.select(t.cases.c.erased_at, t.cases.c.body, t.cases.c.citizen_ref)
                                     .where(t.cases.c.case_id == case_id,
                                            within(t.cases.c.region_code, scope)))).first()
        if row is None:
            raise CaseNotFound("no such case")
        if row.erased_at is not None:
            return {"case_id": case_id, "erased_at": utc(row.erased_at).isoformat()}  # type: ignore[union-attr]
        await session.execute(t.cases.update().where(t.cases.c.case_id == case_id).values(
            nik=ERASED, kk=ERASED, name=ERASED, phone=None, email=None, body=domain.erased_body(row.body),
            erased_at=now))
        await session.execute(t.complaints.update().where(t.complaints.c.case_id == case_id)
                              .values(description=ERASED))
        await session.execute(t.audit_log.insert().values(at=now, action="personal_data_erased", case_id=case_id,
                                                          citizen_ref=row.citizen_ref, actor=actor))
        await session.execute(t.outbox.delete().where(  # contacts not yet published (or kept a while after)
            t.outbox.c.topic == topics.case_contacts, t.outbox.c.key == case_id, t.outbox.c.value.is_not(None)))
        await add_to_outbox(session, t.outbox, [tombstone(topics, case_id)])
    return {"case_id": case_id, "erased_at": now.isoformat()}
