"""A supervisor reassigns an open referral to another programme owner with authority over the case (the rules'
owners of the programme for the case, or the SLRT secretariat of the kabupaten/kota). The referral is replaced by
a new one to that owner, with a fresh answer deadline; the first owner no longer sees it. The supervisor's reason
is the new referral's note (the new owner reads why it came to them; free text, kept by routing only); the audit
row names the referrals and the owner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts.codes import Programme, ReferralStatus
from slrt_shared import audit
from slrt_shared.access.principal import Principal
from slrt_shared.errors import PermanentError

from slrt_routing.adapters import tables as t
from slrt_routing.domain import referral as lifecycle
from slrt_routing.domain.rules import ProgrammeOwner
from slrt_routing.service_layer.answers import UnknownReferral, referral_view
from slrt_routing.service_layer.context import Routing, locked_case
from slrt_routing.service_layer.dispatch import fallback_owner, referral, routable


class CannotReassign(PermanentError):
    """The referral is answered for good or already replaced, or the owner is the same one."""


class NoAuthority(PermanentError):
    """The owner named has no authority over this programme for this case."""


def owners_with_authority(routing: Routing, case: Any, programme: Programme) -> list[ProgrammeOwner]:
    """Who may take a referral of ``programme`` for ``case``: the rules' owners, then the SLRT secretariat."""
    found = routing.rules.owners_for(programme, routable(case))
    secretariat = fallback_owner(routing, case.region_code)
    return [*found, *([secretariat] if all(o.owner_id != secretariat.owner_id for o in found) else [])]


async def candidates(routing: Routing, *, referral_id: str, principal: Principal) -> list[dict[str, Any]]:
    """The owners a referral may be reassigned to (not the one holding it)."""
    async with routing.sessions() as session:
        row = (await session.execute(sa.select(t.referrals).where(t.referrals.c.referral_id == referral_id))).first()
        case = (await session.execute(sa.select(t.cases).where(t.cases.c.case_id == row.case_id))).first() \
            if row is not None else None
    if row is None or case is None or not principal.covers(case.region_code):
        raise UnknownReferral("no such referral")
    return [{"owner_id": o.owner_id, "name": o.name, "level": o.level.value, "region": o.region}
            for o in owners_with_authority(routing, case, Programme(row.programme)) if o.owner_id != row.owner_id]


async def reassign_referral(routing: Routing, *, referral_id: str, owner_id: str, reason: str,
                            principal: Principal, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    async with routing.sessions() as session, session.begin():
        row = (await session.execute(sa.select(t.referrals).where(t.referrals.c.referral_id == referral_id))).first()
        if row is None:
            raise UnknownReferral("no such referral")
        case = await locked_case(session, row.case_id)
        if not principal.covers(case.region_code):
            raise UnknownReferral("no such referral")
        row = (await session.execute(sa.select(t.referrals).where(t.referrals.c.referral_id == referral_id))).first()
        if row.replaced_by is not None or ReferralStatus(row.status) in lifecycle.FINAL:
            raise CannotReassign("the referral is already answered for good or replaced")
        if owner_id == row.owner_id:
            raise CannotReassign("the referral is already with this owner")
        owner = next((o for o in owners_with_authority(routing, case, Programme(row.programme))
                      if o.owner_id == owner_id), None)
        if owner is None:
            raise NoAuthority("this owner has no authority over the programme for this case")
        created, new = referral(routing, case, Programme(row.programme), owner, now=now,
                                tried=[*row.tried_owners, row.owner_id])
        await session.execute(t.referrals.insert().values(**created, note=reason))
        await session.execute(t.referrals.update().where(t.referrals.c.referral_id == referral_id)
                              .values(replaced_by=new.referral_id, updated_at=now))
        await audit.record(session, t.audit_log, principal=principal, action="referral_reassigned",
                           case_id=row.case_id, detail={"referral_id": referral_id, "to": new.referral_id,
                                                        "owner_id": owner_id})
        await routing.publish(session, row.case_id, new)
        inserted = (await session.execute(sa.select(t.referrals).where(
            t.referrals.c.referral_id == new.referral_id))).first()
        return referral_view(inserted)
