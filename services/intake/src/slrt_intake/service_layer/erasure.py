"""Erasure of a citizen's personal data (UU 27/2022): one case, all of a citizen's cases, or the cases closed
longer than the retention limit.

Intake blanks NIK, KK, name, phone, e-mail, street, RT/RW and the descriptions, drops the case's contacts
records still in the outbox and, through the outbox in the same transaction, publishes a tombstone for the case
on ``slrt.case.contacts`` (the compacted topic forgets the contacts) and ``id.slrt.case.erased.v1`` on
``slrt.case.events``, which routing, notification and reporting honour in their own stores.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts.case_events import CaseErased
from slrt_contracts.codes import CaseStatus, ErasureReason
from slrt_contracts.envelope import KafkaRecord, to_kafka
from slrt_contracts.topics import Topics
from slrt_shared import audit
from slrt_shared.access.principal import NATIONAL, Principal
from slrt_shared.access.queries import within
from slrt_shared.db import utc
from slrt_shared.outbox import add_to_outbox
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.domain import case as domain
from slrt_intake.service_layer.registration import SOURCE, CaseNotFound

ERASED = ""  # what an erased text column holds (the columns are NOT NULL)


@dataclass(frozen=True)
class Erasure:
    """Who erases, and why."""

    reason: ErasureReason = ErasureReason.CITIZEN_REQUEST
    principal: Principal | None = None  # None: the system itself (the retention limit)
    scope: str = NATIONAL


def tombstone(topics: Topics, case_id: str) -> KafkaRecord:
    """Key ``case_id``, null value: compaction then drops every earlier contacts record of the case."""
    return KafkaRecord(topic=topics.case_contacts, key=case_id.encode(), value=None, headers=[])


def _answer(case_id: str, erased_at: datetime) -> dict[str, Any]:
    return {"case_id": case_id, "erased_at": erased_at.isoformat()}


async def _erase(session: AsyncSession, topics: Topics, row: Any, erasure: Erasure, now: datetime) -> None:
    case_id = row.case_id
    await session.execute(t.cases.update().where(t.cases.c.case_id == case_id).values(
        nik=ERASED, kk=ERASED, name=ERASED, phone=None, email=None, body=domain.erased_body(row.body),
        erased_at=now))
    await session.execute(t.complaints.update().where(t.complaints.c.case_id == case_id)
                          .values(description=ERASED))
    await audit.record(session, t.audit_log, principal=erasure.principal, action="personal_data_erased",
                       case_id=case_id, citizen_ref=row.citizen_ref, detail={"reason": erasure.reason.value})
    await session.execute(t.outbox.delete().where(  # contacts not yet published (or kept a while after)
        t.outbox.c.topic == topics.case_contacts, t.outbox.c.key == case_id, t.outbox.c.value.is_not(None)))
    erased = CaseErased(case_id=case_id, reason=erasure.reason, at=now)
    await add_to_outbox(session, t.outbox, [
        tombstone(topics, case_id),
        to_kafka(erased, topic=topics.case_events, source=SOURCE, key=case_id, time=now)])


_COLUMNS = (t.cases.c.case_id, t.cases.c.erased_at, t.cases.c.body, t.cases.c.citizen_ref)


async def erase_personal_data(
    *, sessions: async_sessionmaker[AsyncSession], topics: Topics, case_id: str, erasure: Erasure = Erasure(),
) -> dict[str, Any]:
    """Erase one case once; asking again answers the first erasure and publishes nothing more. A case outside
    the erasure's scope is not found, as one that does not exist."""
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        row = (await session.execute(sa.select(*_COLUMNS).where(
            t.cases.c.case_id == case_id, within(t.cases.c.region_code, erasure.scope)))).first()
        if row is None:
            raise CaseNotFound("no such case")
        if row.erased_at is not None:
            return _answer(case_id, utc(row.erased_at))  # type: ignore[arg-type]
        await _erase(session, topics, row, erasure, now)
    return _answer(case_id, now)


async def erase_citizen(
    *, sessions: async_sessionmaker[AsyncSession], topics: Topics, nik: str, citizen_refs: Collection[str],
    erasure: Erasure,
) -> list[dict[str, Any]]:
    """Erase every case of one citizen (the NIK, or any of ``citizen_refs``: its pseudonyms under every key)
    within the scope, in one transaction. Cases erased before answer their first erasure."""
    now = datetime.now(UTC)
    answers: list[dict[str, Any]] = []
    async with sessions() as session, session.begin():
        rows = (await session.execute(sa.select(*_COLUMNS).where(
            sa.or_(t.cases.c.nik == nik, t.cases.c.citizen_ref.in_(list(citizen_refs))),
            within(t.cases.c.region_code, erasure.scope))
            .order_by(t.cases.c.registered_at, t.cases.c.case_id))).all()
        for row in rows:
            if row.erased_at is not None:
                answers.append(_answer(row.case_id, utc(row.erased_at)))  # type: ignore[arg-type]
            else:
                await _erase(session, topics, row, erasure, now)
                answers.append(_answer(row.case_id, now))
    return answers


async def erase_expired(
    *, sessions: async_sessionmaker[AsyncSession], topics: Topics, closed_before: datetime, limit: int = 200,
) -> int:
    """Erase the personal data of cases closed before ``closed_before`` (the retention limit), a batch at a time;
    returns how many were erased. Safe to run in several instances: each case is erased once."""
    erasure = Erasure(reason=ErasureReason.RETENTION)
    async with sessions() as session, session.begin():
        rows = (await session.execute(sa.select(*_COLUMNS).where(
            t.cases.c.status == CaseStatus.CLOSED.value, t.cases.c.status_changed_at < closed_before,
            t.cases.c.erased_at.is_(None)).order_by(t.cases.c.status_changed_at).limit(limit)
            .with_for_update(skip_locked=True))).all()
        now = datetime.now(UTC)
        for row in rows:
            await _erase(session, topics, row, erasure, now)
    return len(rows)
