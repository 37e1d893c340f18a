"""Correction of a citizen's name, phone, e-mail and address (RT, RW, street) on a case, and on the same
citizen's other open cases in the caller's scope (they are one person: a message about any of their cases must
reach the corrected phone). Each case changed gets a new contacts record on ``slrt.case.contacts`` through the
outbox, in the same transaction (its older contacts records still in the outbox are dropped), and an audit row
naming the fields changed, never the values. Answered at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts.citizen_rights import CitizenCorrection
from slrt_contracts.topics import Topics
from slrt_shared.access.principal import NATIONAL, Principal
from slrt_shared.access.queries import within
from slrt_shared.errors import SlrtError
from slrt_shared.outbox import add_to_outbox
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.domain import case as cases
from slrt_intake.domain import correction as domain
from slrt_intake.service_layer.citizen_rights import audit, contacts_of, contacts_record
from slrt_intake.service_layer.registration import CaseNotFound

ACTION = "personal_data_corrected"


class CaseErased(SlrtError):
    """The case's personal data was erased: there is nothing left to correct."""


class RegionNotCorrectable(SlrtError):
    """Another desa was asked for: the region chose the case's routing; register anew."""


async def _apply(session: AsyncSession, topics: Topics, row: Any, applied: domain.Changes) -> None:
    await session.execute(t.cases.update().where(t.cases.c.case_id == row.case_id).values(
        **applied.contacts, body=domain.corrected_body(row.body or {}, applied)))
    if applied.contacts:
        await session.execute(t.outbox.delete().where(  # the old contacts, not yet published (or kept a while)
            t.outbox.c.topic == topics.case_contacts, t.outbox.c.key == row.case_id, t.outbox.c.value.is_not(None)))
        contacts = contacts_of(row)  # None only once erased, and erased cases are never corrected
        if contacts is not None:
            await add_to_outbox(session, t.outbox,
                                [contacts_record(contacts.model_copy(update=applied.contacts), topics)])


async def correct_citizen(
    *, sessions: async_sessionmaker[AsyncSession], topics: Topics, case_id: str, correction: CitizenCorrection,
    scope: str = NATIONAL, principal: Principal | None = None,
) -> dict[str, Any]:
    """Correct the case ``case_id`` (not found outside ``scope``, as one that does not exist) and the same
    citizen's other open cases in ``scope``. Raises ``CaseErased``, ``RegionNotCorrectable``."""
    requested_at = datetime.now(UTC)
    c = t.cases.c
    async with sessions() as session, session.begin():
        row = (await session.execute(sa.select(t.cases).where(c.case_id == case_id, within(c.region_code, scope))
                                     .with_for_update())).first()
        if row is None:
            raise CaseNotFound("no such case")
        if row.erased_at is not None:
            raise CaseErased("the personal data of this case was erased")
        asked = correction.address.region_code if correction.address else None
        if asked is not None and asked != row.region_code:
            raise RegionNotCorrectable("the region of a case cannot be corrected")
        others = (await session.execute(sa.select(t.cases).where(
            c.nik == row.nik, c.case_id != case_id, c.erased_at.is_(None), within(c.region_code, scope),
            c.status.in_([s.value for s in cases.OPEN_STATUSES])).order_by(c.registered_at).with_for_update())).all()
        answered_at = datetime.now(UTC)
        corrected: list[dict[str, Any]] = []
        for target in (row, *others):
            applied = domain.changes(correction, current={k: getattr(target, k) for k in domain.CONTACT_FIELDS},
                                     address=(target.body or {}).get("address"))
            if applied:
                await _apply(session, topics, target, applied)
            detail = {"fields": applied.fields, "requested_at": requested_at.isoformat()}
            if target is not row:
                detail["with_case"] = case_id  # corrected along with the case the request named
            await audit(session, ACTION, principal=principal, case_id=target.case_id,
                        citizen_ref=target.citizen_ref, detail=detail)
            corrected.append({"case_id": target.case_id, "fields": applied.fields})
    return {"case_id": case_id, "corrected_at": answered_at.isoformat(), "cases": corrected}
