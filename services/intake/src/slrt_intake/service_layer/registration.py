"""Use cases: register a case, file a complaint. Domain rows and outbox rows in one transaction."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_shared import audit
from slrt_shared.access.principal import NATIONAL, Principal
from slrt_shared.access.queries import within
from slrt_shared.codes import CaseStatus, Level
from slrt_shared.contracts.case_events import CaseRegistered, ComplaintFiled, HouseholdInfo
from slrt_shared.contracts.commands import CaseRegistration, ComplaintBody
from slrt_shared.contracts.contacts import CaseContacts
from slrt_shared.contracts.envelope import KafkaRecord, to_kafka
from slrt_shared.db import is_postgres, upsert
from slrt_shared.errors import SlrtError
from slrt_shared.outbox import add_to_outbox
from slrt_shared.pseudonyms import Pseudonyms
from slrt_shared.regions import Desa, find_desa, parent_at
from slrt_shared.telemetry import current_trace_headers
from slrt_shared.topics import Topics
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.domain import case as domain

SOURCE = "/slrt/intake"


class IdempotencyConflict(SlrtError):
    pass


class CaseNotFound(SlrtError):
    pass


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    extra_records: list[KafkaRecord] = field(default_factory=list)


def region_names(desa: Desa) -> dict[str, str]:
    return {"desa": desa.name, "kecamatan": desa.kecamatan, "kabupaten": desa.kabupaten, "provinsi": desa.provinsi}


def body_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def _next_number(session: AsyncSession, kabupaten: str, year: int) -> int:
    insert = upsert(session, t.case_counters)
    stmt = (
        insert.values(kabupaten_code=kabupaten, year=year, last=1)
        .on_conflict_do_update(index_elements=["kabupaten_code", "year"], set_={"last": t.case_counters.c.last + 1})
        .returning(t.case_counters.c.last)
    )
    return int((await session.execute(stmt)).scalar_one())


async def _stored_response(session: AsyncSession, scope: str, key: str, digest: str) -> Outcome | None:
    row = (await session.execute(
        sa.select(t.idempotency).where(t.idempotency.c.scope == scope, t.idempotency.c.key == key)
    )).first()
    if row is None:
        return None
    if row.body_hash != digest:
        raise IdempotencyConflict("this Idempotency-Key was used with another body")
    return Outcome(row.status_code, row.response)


def _registration_lock(nik: str) -> int:
    """The advisory lock of one citizen's registrations: the same on every instance, whatever pseudonym key it
    has (during a key rotation, instances restart one by one)."""
    return int.from_bytes(hashlib.blake2b(nik.encode(), digest_size=8, person=b"slrt-register").digest(), "big",
                          signed=True)


async def _linked_case(session: AsyncSession, reg: CaseRegistration) -> Outcome | None:
    """The citizen's open case for the same needs, if any. Matched on the NIK, which only intake holds, so a
    rotation of the pseudonym key changes nothing here: a case whose ``citizen_ref`` was made with a previous
    key is linked as any other."""
    if is_postgres(session):  # one registration per citizen at a time, so two requests cannot both open a case
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_registration_lock(reg.citizen.nik))))
    rows = (await session.execute(
        sa.select(t.cases.c.case_id, t.cases.c.case_number, t.cases.c.status, t.cases.c.level, t.cases.c.needs,
                  t.cases.c.warnings)
        .where(t.cases.c.nik == reg.citizen.nik, t.cases.c.status.in_([s.value for s in domain.OPEN_STATUSES]))
        .order_by(t.cases.c.registered_at)
    )).all()
    for row in rows:
        if domain.links_to(row.needs, reg.all_needs()):
            return Outcome(200, {"case_id": row.case_id, "case_number": row.case_number, "status": row.status,
                                 "level": row.level, "warnings": row.warnings, "linked": True})
    return None


async def register_case(
    *,
    sessions: async_sessionmaker[AsyncSession],
    topics: Topics,
    pseudonyms: Pseudonyms,
    registration: CaseRegistration,
    idempotency_key: str | None = None,
    idempotency_scope: str = "http",
    extra: Any = None,
    principal: Principal | None = None,
) -> Outcome:
    """Register a case (or answer the stored response / the linked open case). ``extra(outcome)`` may add
    outbox records (the command reply) in the same transaction. A new or linked case is audited as the
    ``principal``'s (a stored response is an answer given before, and nothing is done again)."""
    payload = registration.model_dump(mode="json")
    digest = body_hash(payload)
    for _ in range(3):
        try:
            async with sessions() as session, session.begin():
                if idempotency_key:
                    stored = await _stored_response(session, idempotency_scope, idempotency_key, digest)
                    if stored:
                        return stored
                outcome = await _linked_case(session, registration) or await _new_case(
                    session, topics, pseudonyms, registration, payload)
                await audit.record(session, t.audit_log, principal=principal,
                                   action="case_linked" if outcome.status_code == 200 else "case_registered",
                                   case_id=outcome.body["case_id"],
                                   citizen_ref=pseudonyms.citizen_ref(registration.citizen.nik))
                records = list(outcome.extra_records)
                if extra is not None:
                    records += extra(outcome)
                await add_to_outbox(session, t.outbox, records)
                if idempotency_key:
                    await session.execute(t.idempotency.insert().values(
                        scope=idempotency_scope, key=idempotency_key, body_hash=digest,
                        status_code=outcome.status_code, response=outcome.body, created_at=datetime.now(UTC)))
                return Outcome(outcome.status_code, outcome.body)
        except IntegrityError:
            continue  # a concurrent request with the same key or number won: read its answer
    raise SlrtError("could not register the case; try again")


async def _new_case(
    session: AsyncSession, topics: Topics, pseudonyms: Pseudonyms, reg: CaseRegistration, payload: dict[str, Any]
) -> Outcome:
    now = datetime.now(UTC)
    region = reg.address.region_code
    desa = find_desa(region)
    if desa is None:  # the contract model accepts only known desa codes
        raise SlrtError("unknown desa code")
    seq = await _next_number(session, parent_at(region, Level.KABUPATEN), now.year)
    case = domain.register(
        reg,
        case_id=str(uuid.uuid4()),
        number=domain.case_number(region, now.year, seq),
        citizen_ref=pseudonyms.citizen_ref(reg.citizen.nik),
        now=now,
    )
    await session.execute(t.cases.insert().values(
        case_id=case.case_id, case_number=case.case_number, nik=reg.citizen.nik, kk=reg.citizen.kk,
        citizen_ref=case.citizen_ref, name=reg.citizen.name, phone=reg.citizen.phone, email=reg.citizen.email,
        language=reg.citizen.language.value, region_code=region, kecamatan_code=desa.kecamatan_code,
        kabupaten_code=desa.kabupaten_code, provinsi_code=desa.provinsi_code, region_names=region_names(desa),
        channel=reg.channel.value,
        level=case.level.value, status=CaseStatus.REGISTERED.value, needs=[n.value for n in case.needs],
        ppks=reg.ppks, body=payload, warnings=case.warnings, registered_at=now, status_changed_at=now))
    trace = current_trace_headers()
    registered = CaseRegistered(
        case_id=case.case_id, case_number=case.case_number, region_code=region, level=case.level,
        channel=reg.channel, ppks=reg.ppks, needs=case.needs,
        household=HouseholdInfo(dtsen_status=reg.household.dtsen_status, desil=reg.household.desil),
        citizen_ref=case.citizen_ref, registered_at=now, warnings=case.warnings)
    contacts = CaseContacts(case_id=case.case_id, case_number=case.case_number, name=reg.citizen.name,
                            phone=reg.citizen.phone, email=reg.citizen.email, language=reg.citizen.language)
    records = [
        to_kafka(contacts, topic=topics.case_contacts, source=SOURCE, key=case.case_id, trace_headers=trace),
        to_kafka(registered, topic=topics.case_events, source=SOURCE, key=case.case_id, trace_headers=trace),
    ]
    body = {"case_id": case.case_id, "case_number": case.case_number, "status": CaseStatus.REGISTERED.value,
            "level": case.level.value, "warnings": case.warnings, "linked": False}
    return Outcome(201, body, records)


async def file_complaint(
    *, sessions: async_sessionmaker[AsyncSession], topics: Topics, case_id: str, complaint: ComplaintBody,
    extra: Any = None, complaint_id: str | None = None, scope: str = NATIONAL, principal: Principal | None = None,
) -> Outcome:
    """File a complaint (audited as the ``principal``'s). A caller-chosen ``complaint_id`` makes a redelivered
    command file nothing twice; a case outside ``scope`` is not found, as one that does not exist."""
    now = datetime.now(UTC)
    complaint_id = complaint_id or str(uuid.uuid4())
    async with sessions() as session, session.begin():
        already = await session.scalar(
            sa.select(t.complaints.c.case_id).where(t.complaints.c.complaint_id == complaint_id))
        if already is not None:
            return Outcome(201, {"complaint_id": complaint_id, "case_id": already})
        case = (await session.execute(sa.select(t.cases.c.citizen_ref).where(
            t.cases.c.case_id == case_id, within(t.cases.c.region_code, scope)))).first()
        if case is None:
            raise CaseNotFound("no such case")
        await session.execute(t.complaints.insert().values(
            complaint_id=complaint_id, case_id=case_id, referral_id=complaint.referral_id,
            description=complaint.description, filed_at=now))
        filed = ComplaintFiled(case_id=case_id, complaint_id=complaint_id, referral_id=complaint.referral_id,
                               filed_at=now)
        outcome = Outcome(201, {"complaint_id": complaint_id, "case_id": case_id})
        await audit.record(session, t.audit_log, principal=principal, action="complaint_filed", case_id=case_id,
                           citizen_ref=case.citizen_ref, detail={"complaint_id": complaint_id})
        records = [to_kafka(filed, topic=topics.case_events, source=SOURCE, key=case_id,
                            trace_headers=current_trace_headers())]
        if extra is not None:
            records += extra(outcome)
        await add_to_outbox(session, t.outbox, records)
    return outcome
