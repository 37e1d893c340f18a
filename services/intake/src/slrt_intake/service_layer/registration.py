"""Use cases: register a case, file a complaint. Domain rows and outbox rows in one transaction."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from slrt_contracts.case_events import CaseRegistered, ComplaintFiled, HouseholdInfo
from slrt_contracts.codes import CaseStatus, Level, Programme
from slrt_contracts.commands import CaseRegistration, ComplaintBody
from slrt_contracts.contacts import CaseContacts
from slrt_contracts.envelope import KafkaRecord, to_kafka
from slrt_contracts.regions import Desa, find_desa, parent_at
from slrt_contracts.topics import Topics
from slrt_shared import audit
from slrt_shared.access.principal import NATIONAL, Principal
from slrt_shared.access.queries import within
from slrt_shared.db import is_postgres, upsert
from slrt_shared.errors import SlrtError
from slrt_shared.outbox import add_to_outbox
from slrt_shared.pseudonyms import Pseudonyms
from slrt_shared.request_ids import current_request_id
from slrt_shared.telemetry import current_trace_headers
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables as t
from slrt_intake.domain import case as domain

SOURCE = "/slrt/intake"
T = TypeVar("T")


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


@dataclass
class Registering:
    """One registration to make: the request or command, whose idempotency key it carries and who asks.

    ``reply(outcome)`` adds outbox records (a command's reply) in the same transaction; ``refused(conflict)``
    the records that answer a reused idempotency key (without it, the conflict is the caller's to raise)."""

    registration: CaseRegistration
    idempotency_key: str | None = None
    idempotency_scope: str = "http"
    principal: Principal | None = None
    reply: Callable[[Outcome], list[KafkaRecord]] | None = None
    refused: Callable[[IdempotencyConflict], list[KafkaRecord]] | None = None
    request_id: str | None = None
    trace_headers: dict[str, str] | None = None
    trace_id: str | None = None
    payload: dict[str, Any] = field(init=False)
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        self.payload = self.registration.model_dump(mode="json")
        self.digest = body_hash(self.payload)

    @property
    def nik(self) -> str:
        return self.registration.citizen.nik


Result = Outcome | IdempotencyConflict


def _registration_lock(nik: str) -> int:
    """The advisory lock of one citizen's registrations: the same on every instance, whatever pseudonym key it
    has (during a key rotation, instances restart one by one)."""
    return int.from_bytes(hashlib.blake2b(nik.encode(), digest_size=8, person=b"slrt-register").digest(), "big",
                          signed=True)


async def _lock_citizens(session: AsyncSession, niks: set[str]) -> None:
    """One registration per citizen at a time (PostgreSQL), so two requests cannot both open a case; the locks
    are taken in one order, so two batches of the same citizens never wait on each other in a circle."""
    if not niks or not is_postgres(session):
        return
    keys = sorted(_registration_lock(nik) for nik in niks)
    locks = sa.select(sa.func.unnest(sa.cast(sa.literal(keys), sa.ARRAY(sa.BigInteger))).label("k")).subquery()
    ordered = sa.select(locks.c.k).order_by(locks.c.k).subquery()
    await session.execute(sa.select(sa.func.count(sa.func.pg_advisory_xact_lock(ordered.c.k))))


async def _stored_responses(session: AsyncSession, items: list[Registering]) -> dict[tuple[str, str], Any]:
    wanted = {(i.idempotency_scope, i.idempotency_key) for i in items if i.idempotency_key}
    if not wanted:
        return {}
    i = t.idempotency
    rows = (await session.execute(sa.select(i.c.scope, i.c.key, i.c.body_hash, i.c.status_code, i.c.response).where(
        i.c.scope.in_({s for s, _ in wanted}), i.c.key.in_({k for _, k in wanted})))).all()
    return {(r.scope, r.key): r for r in rows}


async def _open_cases(session: AsyncSession, niks: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Each citizen's open cases, oldest first. Matched on the NIK, which only intake holds, so a rotation of the
    pseudonym key changes nothing here: a case whose ``citizen_ref`` was made with a previous key is linked as
    any other."""
    if not niks:
        return {}
    c = t.cases
    rows = (await session.execute(
        sa.select(c.c.nik, c.c.case_id, c.c.case_number, c.c.status, c.c.level, c.c.needs, c.c.warnings)
        .where(c.c.nik.in_(sorted(niks)), c.c.status.in_([s.value for s in domain.OPEN_STATUSES]))
        .order_by(c.c.registered_at))).all()
    found: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        found.setdefault(r.nik, []).append({"case_id": r.case_id, "case_number": r.case_number, "status": r.status,
                                            "level": r.level, "needs": r.needs, "warnings": r.warnings})
    return found


async def _numbers(session: AsyncSession, wanted: Counter[str], year: int) -> dict[str, int]:
    """Reserve ``wanted[kabupaten]`` case numbers of each kabupaten/kota in one statement; the first of each."""
    if not wanted:
        return {}
    insert = upsert(session, t.case_counters)
    stmt = (insert.values([{"kabupaten_code": kab, "year": year, "last": n} for kab, n in sorted(wanted.items())])
            .on_conflict_do_update(index_elements=["kabupaten_code", "year"],
                                   set_={"last": t.case_counters.c.last + insert.excluded["last"]})
            .returning(t.case_counters.c.kabupaten_code, t.case_counters.c.last))
    return {row.kabupaten_code: int(row.last) - wanted[row.kabupaten_code] + 1
            for row in await session.execute(stmt)}


async def register_in(session: AsyncSession, *, topics: Topics, pseudonyms: Pseudonyms,
                      items: list[Registering]) -> list[Result]:
    """Register a batch in the caller's transaction, in order, with a few statements for the whole batch.

    Each item gets the response stored under its idempotency key (``IdempotencyConflict`` when the body
    differs), or the citizen's open case for the same needs (linked, 200; a case made by an earlier item of the
    batch counts), or a new case (201). New and linked cases are audited as their ``principal``'s; the cases'
    records and each item's ``reply`` go to the outbox in the items' order."""
    stored = await _stored_responses(session, items)
    niks = {i.nik for i in items}
    await _lock_citizens(session, niks)
    open_cases = await _open_cases(session, niks)
    now = datetime.now(UTC)
    plans: list[_Plan] = []
    first_with_key: dict[tuple[str, str], Registering] = {}
    for item in items:
        slot = (item.idempotency_scope, item.idempotency_key or "")
        if item.idempotency_key and (slot in stored or slot in first_with_key):
            earlier = first_with_key.get(slot)
            digest = earlier.digest if earlier is not None else stored[slot].body_hash
            plans.append(IdempotencyConflict("this Idempotency-Key was used with another body")
                         if digest != item.digest else _Again(earlier, stored.get(slot)))
            continue
        if item.idempotency_key:
            first_with_key[slot] = item
        requested = item.registration.all_needs()
        linked = next((c for c in open_cases.get(item.nik, []) if domain.links_to(c["needs"], requested)), None)
        if linked is not None:
            plans.append(_Linked(linked))
        else:
            planned = _Planned(item, str(uuid.uuid4()), now, requested)
            open_cases.setdefault(item.nik, []).append(planned.open_case)
            plans.append(planned)
    await _number(session, [p for p in plans if isinstance(p, _Planned)], now.year, pseudonyms)
    results: list[Result] = []
    cases, audits, records, keys = [], [], [], []
    answers: dict[int, Outcome] = {}
    for item, plan in zip(items, plans, strict=True):
        if isinstance(plan, IdempotencyConflict):
            records += item.refused(plan) if item.refused else []
            results.append(plan)
            continue
        if isinstance(plan, _Again):  # answered before: nothing is done again
            results.append(answers[id(plan.item)] if plan.item is not None else
                           Outcome(plan.row.status_code, plan.row.response))
            continue
        trace = item.trace_headers if item.trace_headers is not None else current_trace_headers()
        if isinstance(plan, _Planned):
            cases.append(plan.row())
            outcome = Outcome(201, plan.body(), plan.records(topics, trace))
        else:
            outcome = Outcome(200, {**{k: plan.case[k] for k in ("case_id", "case_number", "status", "level",
                                                                 "warnings")}, "linked": True})
        audits.append(audit.row(item.principal, "case_linked" if outcome.status_code == 200 else "case_registered",
                                outcome.body["case_id"], pseudonyms.citizen_ref(item.nik), None, now,
                                request_id=item.request_id, trace_id=item.trace_id))
        records += outcome.extra_records + (item.reply(outcome) if item.reply else [])
        if item.idempotency_key:
            keys.append({"scope": item.idempotency_scope, "key": item.idempotency_key, "body_hash": item.digest,
                         "status_code": outcome.status_code, "response": outcome.body, "created_at": now})
        answers[id(item)] = Outcome(outcome.status_code, outcome.body)
        results.append(answers[id(item)])
    if cases:
        await session.execute(t.cases.insert(), cases)
    await audit.record_rows(session, t.audit_log, audits)
    await add_to_outbox(session, t.outbox, records)
    if keys:
        await session.execute(t.idempotency.insert(), keys)
    return results


async def _number(session: AsyncSession, new: list[_Planned], year: int, pseudonyms: Pseudonyms) -> None:
    """Give the batch's new cases their numbers, in order within each kabupaten/kota."""
    first = await _numbers(session, Counter(p.kabupaten for p in new), year)
    for planned in new:
        planned.number(first[planned.kabupaten], pseudonyms)
        first[planned.kabupaten] += 1


@dataclass(frozen=True)
class _Again:
    """An idempotency key answered before: by an earlier item of the batch, or by the stored response."""

    item: Registering | None
    row: Any


@dataclass(frozen=True)
class _Linked:
    """The citizen's open case for the same needs (one made earlier in the batch is filled in once numbered)."""

    case: dict[str, Any]


class _Planned:
    """A new case of a batch, before and after its number is known."""

    def __init__(self, item: Registering, case_id: str, now: datetime, needs: list[Programme]) -> None:
        self.item, self.case_id, self.now = item, case_id, now
        region = item.registration.address.region_code
        desa = find_desa(region)
        if desa is None:  # the contract model accepts only known desa codes
            raise SlrtError("unknown desa code")
        self.desa = desa
        self.kabupaten = parent_at(region, Level.KABUPATEN)
        # what a later item of the batch links to; filled in once the number is known
        self.open_case: dict[str, Any] = {"needs": [n.value for n in needs]}

    def number(self, sequence: int, pseudonyms: Pseudonyms) -> None:
        reg = self.item.registration
        self.case = domain.register(reg, case_id=self.case_id,
                                    number=domain.case_number(reg.address.region_code, self.now.year, sequence),
                                    citizen_ref=pseudonyms.citizen_ref(reg.citizen.nik), now=self.now)
        self.open_case.update(case_id=self.case.case_id, case_number=self.case.case_number,
                              status=CaseStatus.REGISTERED.value, level=self.case.level.value,
                              warnings=self.case.warnings)

    def row(self) -> dict[str, Any]:
        reg, case, desa, now = self.item.registration, self.case, self.desa, self.now
        return dict(
            case_id=case.case_id, case_number=case.case_number, nik=reg.citizen.nik, kk=reg.citizen.kk,
            citizen_ref=case.citizen_ref, name=reg.citizen.name, phone=reg.citizen.phone, email=reg.citizen.email,
            language=reg.citizen.language.value, region_code=reg.address.region_code,
            kecamatan_code=desa.kecamatan_code, kabupaten_code=desa.kabupaten_code, provinsi_code=desa.provinsi_code,
            region_names=region_names(desa), channel=reg.channel.value, level=case.level.value,
            status=CaseStatus.REGISTERED.value, needs=[n.value for n in case.needs], ppks=reg.ppks,
            body=self.item.payload, warnings=case.warnings, registered_at=now, status_changed_at=now)

    def body(self) -> dict[str, Any]:
        return {"case_id": self.case.case_id, "case_number": self.case.case_number,
                "status": CaseStatus.REGISTERED.value, "level": self.case.level.value,
                "warnings": self.case.warnings, "linked": False}

    def records(self, topics: Topics, trace: dict[str, str]) -> list[KafkaRecord]:
        reg, case = self.item.registration, self.case
        registered = CaseRegistered(
            case_id=case.case_id, case_number=case.case_number, region_code=reg.address.region_code,
            level=case.level, channel=reg.channel, ppks=reg.ppks, needs=case.needs,
            household=HouseholdInfo(dtsen_status=reg.household.dtsen_status, desil=reg.household.desil),
            citizen_ref=case.citizen_ref, registered_at=self.now, warnings=case.warnings)
        contacts = CaseContacts(case_id=case.case_id, case_number=case.case_number, name=reg.citizen.name,
                                phone=reg.citizen.phone, email=reg.citizen.email, language=reg.citizen.language)
        return [
            to_kafka(contacts, topic=topics.case_contacts, source=SOURCE, key=case.case_id, trace_headers=trace),
            to_kafka(registered, topic=topics.case_events, source=SOURCE, key=case.case_id, trace_headers=trace),
        ]


async def in_transaction(sessions: async_sessionmaker[AsyncSession],
                         work: Callable[[AsyncSession], Awaitable[T]], *, tries: int = 3) -> T:
    """``work`` in a transaction of its own, done again from the start when a concurrent transaction took the
    same idempotency key or case number first (it then finds that answer)."""
    for _ in range(tries):
        try:
            async with sessions() as session, session.begin():
                return await work(session)
        except IntegrityError:
            continue
    raise SlrtError("could not register the case; try again")


async def file_complaint(
    *, sessions: async_sessionmaker[AsyncSession], topics: Topics, case_id: str, complaint: ComplaintBody,
    extra: Any = None, complaint_id: str | None = None, scope: str = NATIONAL, principal: Principal | None = None,
) -> Outcome:
    """File a complaint in a transaction of its own (see ``file_complaint_in``)."""
    async with sessions() as session, session.begin():
        return await file_complaint_in(session, topics=topics, case_id=case_id, complaint=complaint, extra=extra,
                                       complaint_id=complaint_id, scope=scope, principal=principal)


async def file_complaint_in(
    session: AsyncSession, *, topics: Topics, case_id: str, complaint: ComplaintBody, extra: Any = None,
    complaint_id: str | None = None, scope: str = NATIONAL, principal: Principal | None = None,
    request_id: str | None = None, trace_headers: dict[str, str] | None = None,
) -> Outcome:
    """File a complaint (audited as the ``principal``'s) in the caller's transaction. A caller-chosen
    ``complaint_id`` makes a redelivered command file nothing twice; a case outside ``scope`` is not found, as
    one that does not exist."""
    now = datetime.now(UTC)
    complaint_id = complaint_id or str(uuid.uuid4())
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
    await audit.record_rows(session, t.audit_log, [audit.row(
        principal, "complaint_filed", case_id, case.citizen_ref, {"complaint_id": complaint_id}, now,
        request_id=request_id or current_request_id())])
    trace = trace_headers if trace_headers is not None else current_trace_headers()
    records = [to_kafka(filed, topic=topics.case_events, source=SOURCE, key=case_id, trace_headers=trace)]
    if extra is not None:
        records += extra(outcome)
    await add_to_outbox(session, t.outbox, records)
    return outcome


_Plan = IdempotencyConflict | _Again | _Linked | _Planned
