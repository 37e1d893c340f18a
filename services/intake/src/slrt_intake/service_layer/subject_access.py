"""Subject access (UU 27/2022, the right to see one's data): everything intake holds about one NIK within the
caller's scope, and what the other services hold by case id. Answered at once; the audit row (one per case,
or one for the pseudonym when no case is found) records when it was asked and answered, never the NIK."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts.topics import CASE_CONTACTS
from slrt_shared.access.principal import NATIONAL, Principal
from slrt_shared.access.queries import within
from slrt_shared.db import utc
from slrt_shared.pseudonyms import Pseudonyms
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.service_layer.citizen_rights import audit, contacts_of, refs_for
from slrt_intake.service_layer.records import case_record

ACTION = "subject_access"

#: What the other services hold about a case, by its id (they share nothing with intake but Kafka, so the
#: answer names the data and where to read it, it does not copy it).
HELD_ELSEWHERE: tuple[dict[str, Any], ...] = (
    {"service": "routing", "by": "case_id", "read_at": "GET /v1/cases/{case_id} (routing, port 8002)",
     "holds_en": "referrals (programme, owner, status, deadlines), owners' answers and reasons, supervisors' "
                 "escalation notes",
     "holds_id": "rujukan (program, pemilik program, status, tenggat), jawaban dan alasan pemilik program, "
                 "catatan eskalasi supervisor"},
    {"service": "notification", "by": "case_id", "read_at": None,
     "holds_en": "the contacts record (name, phone, e-mail, language) and the messages sent: channel (SMS or "
                 "e-mail), status, times",
     "holds_id": "catatan kontak (nama, telepon, e-mail, bahasa) dan pesan yang dikirim: kanal (SMS atau "
                 "e-mail), status, waktu"},
    {"service": "reporting", "by": "case_id", "read_at": "GET /v1/cases/{case_id} (reporting, port 8004)",
     "holds_en": "the case's timeline (events, statuses, levels, times) without personal data",
     "holds_id": "riwayat kasus (peristiwa, status, tingkat, waktu) tanpa data pribadi"},
)


def _iso(value: datetime | None) -> str | None:
    aware = utc(value)
    return aware.isoformat() if aware else None


def _audit_view(row: Any) -> dict[str, Any]:
    return {"at": _iso(row.at), "action": row.action, "actor": row.subject, "role": row.role, "case_id": row.case_id,
            "detail": row.detail}


def empty_answer(requested_at: datetime) -> dict[str, Any]:
    """What an unknown NIK, or one with no case in the caller's scope, is answered (the same, always)."""
    return {"citizen_ref": None, "requested_at": requested_at.isoformat(), "answered_at": requested_at.isoformat(),
            "cases": [], "citizen_audit": [], "erasures": [], "held_elsewhere": list(HELD_ELSEWHERE)}


async def _case_entry(session: AsyncSession, row: Any) -> dict[str, Any]:
    cp, ro, al = t.complaints.c, t.referral_owners.c, t.audit_log.c
    complaints = (await session.execute(
        sa.select(cp.complaint_id, cp.referral_id, cp.filed_at, cp.description)
        .where(cp.case_id == row.case_id).order_by(cp.filed_at))).all()
    entry = case_record(row, list(complaints))
    for shown, stored in zip(entry["complaints"], complaints, strict=True):
        shown["description"] = stored.description or None  # an erased complaint holds ""
    entry["consent"] = (row.body or {}).get("consent")
    entry["citizen_ref"] = row.citizen_ref
    contacts = contacts_of(row)
    entry["contacts"] = {"topic": CASE_CONTACTS, "key": row.case_id,
                         "value": contacts.model_dump(mode="json") if contacts else None}
    owners = (await session.execute(sa.select(ro.referral_id, ro.owner_id, ro.programme)
                                    .where(ro.case_id == row.case_id).order_by(ro.referral_id))).all()
    entry["referral_owners"] = [{"referral_id": o.referral_id, "owner_id": o.owner_id, "programme": o.programme}
                                for o in owners]
    audited = (await session.execute(sa.select(t.audit_log).where(al.case_id == row.case_id)
                                      .order_by(al.at, al.id))).all()
    entry["audit"] = [_audit_view(a) for a in audited]
    return entry


async def subject_access(
    *, sessions: async_sessionmaker[AsyncSession], nik: str, pseudonyms: Pseudonyms, scope: str = NATIONAL,
    principal: Principal | None = None,
) -> dict[str, Any]:
    """Every case of ``nik`` in ``scope`` (erased ones too, found by pseudonym) with its personal data, its
    contacts record as published, its audit rows, and the erasures; none in scope: ``empty_answer``."""
    requested_at = datetime.now(UTC)
    refs = refs_for(nik, pseudonyms=pseudonyms)
    c, al = t.cases.c, t.audit_log.c
    async with sessions() as session, session.begin():
        rows = (await session.execute(
            sa.select(t.cases).where(sa.or_(c.nik == nik, c.citizen_ref.in_(refs)), within(c.region_code, scope))
            .order_by(c.registered_at, c.case_id))).all()
        cases = [await _case_entry(session, row) for row in rows]
        citizen_rows = (await session.execute(
            sa.select(t.audit_log).where(al.citizen_ref.in_(refs), al.case_id.is_(None))
            .order_by(al.at, al.id))).all() if rows else []
        answered_at = datetime.now(UTC)
        detail = {"requested_at": requested_at.isoformat(), "cases": len(rows)}
        for row in rows:
            await audit(session, ACTION, principal=principal, case_id=row.case_id,
                        citizen_ref=row.citizen_ref, detail=detail)
        if not rows:
            await audit(session, ACTION, principal=principal, citizen_ref=refs[0], detail=detail)
    if not rows:
        return empty_answer(requested_at)
    return {"citizen_ref": refs[0], "requested_at": requested_at.isoformat(), "answered_at": answered_at.isoformat(),
            "cases": cases, "citizen_audit": [_audit_view(a) for a in citizen_rows],
            "erasures": [{"case_id": r.case_id, "erased_at": _iso(r.erased_at)} for r in rows if r.erased_at],
            "held_elsewhere": list(HELD_ELSEWHERE)}
