"""Open cases loaded straight into the four services' databases, for ``slrt bench pipeline --open-cases N``.

Each case leaves the rows a registered, referred and still open case leaves in each service, written with the
services' own table modules (and, for notification's messages and reporting's read model, their own planning
and projection code), so the benchmark's registrations meet databases of that size:

- intake: the case (its citizen synthetic, from ``slrt.people``), its ``case_registered`` audit row, the owner
  of each referral, and the kabupaten/kota's case-number counter moved past the loaded numbers;
- routing: the case, one referral per need to the owner its rules name, and the SLA timer, due days from now
  so the sweep fires none of them during the run;
- notification: the contacts, its view of the case, and the messages the registration and the referrals
  planned, finished as delivery leaves them (sent; a citizen's message to an address they lack, skipped);
- reporting: the events (registration, referrals, messages sent) in the event log, projected into the cases,
  referrals, timeline and counters.

Rows that are purged after their horizon (inbox, idempotency keys, published outbox rows) are not loaded: an
open case older than the horizon has none. The cases are in other kabupaten/kota than the benchmark's own
registrations, so a case number or a citizen's NIK never meets one of them. 10,000 cases per transaction in
each database (2,000 in reporting's, whose projection takes longest), each table in one statement per chunk
(``executemany``: SQLite's loop in C, asyncpg's pipeline; SQLAlchemy's multi-row ``VALUES`` measured 15 times
slower on SQLite); on PostgreSQL ``ANALYZE`` after each chunk, so the planner knows the growing sizes, and
``VACUUM (ANALYZE)`` at the end, so autovacuum has no inserts left to catch up with during the run.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slrt_contracts.case_events import CaseRegistered, HouseholdInfo, ReferralDispatched
from slrt_contracts.codes import START_LEVEL, CaseStatus, Level, Programme, ReferralStatus
from slrt_contracts.commands import CaseRegistration
from slrt_contracts.envelope import CloudEvent
from slrt_contracts.notification_events import NotificationSent
from slrt_contracts.regions import Desa, find_desa, parent_at
from slrt_contracts.topics import Topics
from slrt_intake.adapters import tables as intake_tables
from slrt_intake.domain import case as intake_case
from slrt_intake.service_layer.registration import SOURCE as INTAKE_SOURCE
from slrt_intake.service_layer.registration import region_names
from slrt_notification.adapters import tables as notification_tables
from slrt_notification.adapters.directory import load_directory
from slrt_notification.adapters.rule_files import load_rules, load_templates
from slrt_notification.service_layer.context import SOURCE as NOTIFICATION_SOURCE
from slrt_notification.service_layer.context import Notifier
from slrt_notification.service_layer.planning import plan_notifications, read_event
from slrt_notification.settings import DEFAULT_RULES as NOTIFICATION_RULES
from slrt_notification.settings import DEFAULT_TEMPLATES, SAMPLE_DIRECTORY
from slrt_reporting.service_layer.projector import log_events, project, scrubbed
from slrt_routing.adapters import tables as routing_tables
from slrt_routing.domain.rules import ProgrammeOwner, RoutableCase, load_rule_book
from slrt_routing.service_layer.context import SOURCE as ROUTING_SOURCE
from slrt_routing.service_layer.context import Routing, SlaPolicy
from slrt_routing.service_layer.dispatch import fallback_owner
from slrt_routing.settings import DEFAULT_RULES as ROUTING_RULES
from slrt_shared import audit, db
from slrt_shared.access.principal import NATIONAL, Principal, Role
from slrt_shared.db import upsert
from slrt_shared.pseudonyms import Pseudonyms
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from slrt.people import FOCUS_KABUPATEN, Population

SERVICES = ("intake", "routing", "notification", "reporting")
CHUNK = 10_000  # cases per transaction in each database
#: cases reporting logs and projects in one transaction: its reads name each id (bind parameter limits), and on
#: SQLite the service's own pollers wait for the write lock meanwhile (its projection takes ~1 ms a case)
PROJECTED_TOGETHER = 2_000
LOAD_CACHE_KIB = 262_144  # SQLite's page cache of each loading connection
TEMPLATES = 5_000  # synthetic registrations the cases are made from (each case with a NIK serial of its own)
REGISTERED = Principal(sub="bench-open-cases", role=Role.OPERATOR, scope=NATIONAL)
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class _Template:
    """One synthetic registration, checked by the contract, with what routing's rules make of it."""

    payload: dict[str, Any]
    registration: CaseRegistration
    desa: Desa
    level: Level
    needs: list[Programme]
    warnings: list[str]
    owners: list[ProgrammeOwner]  # one per need


@dataclass
class OpenCase:
    """A case registered ``registered_at``, referred a second later, its messages sent seconds after."""

    case_id: str
    case_number: str
    template: _Template
    nik: str
    kk: str
    phone: str | None
    email: str | None
    citizen_ref: str
    registered_at: datetime
    deadline: datetime
    referral_ids: list[str]
    events: list[CloudEvent] = field(default_factory=list)  # the case events: registration, then the referrals

    @property
    def region_code(self) -> str:
        return self.template.desa.code

    @property
    def dispatched_at(self) -> datetime:
        return self.registered_at + timedelta(seconds=1)

    @property
    def sent_at(self) -> datetime:
        return self.registered_at + timedelta(seconds=5)


@dataclass
class Loaded:
    """What a load added, and how long it took."""

    cases: int = 0
    seconds: float = 0.0
    rows: Counter[str] = field(default_factory=Counter)  # "service.table" -> rows added


class Planner:
    """The open cases, ``count`` at a time: in kabupaten/kota other than ``avoid``, numbered after the
    counters intake holds (``numbers``: (kabupaten, year) -> last number given)."""

    def __init__(self, pseudonyms: Pseudonyms, router: Routing, *, avoid: Sequence[str],
                 numbers: dict[tuple[str, int], int], now: datetime, seed: int = 7) -> None:
        self.pseudonyms, self.router, self.now, self.numbers = pseudonyms, router, now, numbers
        population = Population(seed=seed, focus=tuple(k for k in FOCUS_KABUPATEN if k not in avoid))
        population.everywhere = [c for c in population.everywhere if c[:5] not in avoid]
        population.focus = [c for c in population.focus if c[:5] not in avoid] or population.everywhere
        self.templates = [self._template(population.registration()) for _ in range(TEMPLATES)]
        self.made = sum(numbers.values())  # a second load goes on with other citizens, phones and numbers

    def _template(self, body: dict[str, Any]) -> _Template:
        registration = CaseRegistration.model_validate(body)
        desa = find_desa(registration.address.region_code)
        assert desa is not None  # the population draws known desa codes
        needs = registration.all_needs()
        case = RoutableCase(region_code=desa.code, ppks=tuple(registration.ppks),
                            dtsen_status=registration.household.dtsen_status)
        owners = [self.router.rules.route(need, case) or fallback_owner(self.router, desa.code) for need in needs]
        return _Template(registration.model_dump(mode="json"), registration, desa, START_LEVEL[registration.channel],
                         needs, intake_case.identity_warnings(registration), owners)

    def next(self, count: int) -> list[OpenCase]:
        """The next ``count`` cases, each with its events: registered within the last 30 days, each citizen with
        a NIK of their own, due days from now."""
        out = []
        for i in range(self.made, self.made + count):
            template = self.templates[i % TEMPLATES]
            serial = f"{i // TEMPLATES % 9999 + 1:04d}"  # a NIK of its own for each case
            citizen = template.registration.citizen
            registered_at = self.now - timedelta(seconds=3600 + i * 7919 % (29 * 86_400))  # the last 30 days
            slot = (parent_at(template.desa.code, Level.KABUPATEN), registered_at.year)
            self.numbers[slot] = self.numbers.get(slot, 0) + 1
            nik = citizen.nik[:12] + serial
            case = OpenCase(
                case_id=str(uuid.uuid4()),
                case_number=intake_case.case_number(template.desa.code, registered_at.year, self.numbers[slot]),
                template=template, nik=nik, kk=citizen.kk[:12] + serial,
                phone=f"0899{i:08d}" if citizen.phone else None,
                email=f"warga.{i}@example.id" if citizen.email else None,
                citizen_ref=self.pseudonyms.citizen_ref(nik), registered_at=registered_at,
                deadline=self.now + timedelta(days=3, seconds=i % 86_400),  # days ahead: the sweep fires none
                referral_ids=[str(uuid.uuid4()) for _ in template.needs])
            case.events = self._events(case)
            out.append(case)
        self.made += count
        return out

    def _events(self, case: OpenCase) -> list[CloudEvent]:
        template, reg = case.template, case.template.registration
        registered = CaseRegistered(
            case_id=case.case_id, case_number=case.case_number, region_code=case.region_code, level=template.level,
            channel=reg.channel, ppks=reg.ppks, needs=template.needs,
            household=HouseholdInfo(dtsen_status=reg.household.dtsen_status, desil=reg.household.desil),
            citizen_ref=case.citizen_ref, registered_at=case.registered_at, warnings=template.warnings)
        events = [CloudEvent(id=str(uuid.uuid4()), source=INTAKE_SOURCE, type=registered.ce_type,
                             time=case.registered_at, data=registered.model_dump(mode="json"), key=case.case_id)]
        for referral_id, need, owner in zip(case.referral_ids, template.needs, template.owners, strict=True):
            dispatched = ReferralDispatched(
                case_id=case.case_id, referral_id=referral_id, programme=need, owner_id=owner.owner_id,
                owner_level=owner.level, owner_region=owner.region, rules_version=self.router.rules.version,
                due_at=case.deadline, owner_name=owner.name, case_number=case.case_number,
                case_level=template.level, case_deadline=case.deadline)
            events.append(CloudEvent(id=str(uuid.uuid4()), source=ROUTING_SOURCE, type=dispatched.ce_type,
                                     time=case.dispatched_at, data=dispatched.model_dump(mode="json"),
                                     key=case.case_id))
        return events


async def intake(sessions: Sessions, cases: list[OpenCase]) -> Counter[str]:
    """The cases (referred), their registrations' audit rows, their referrals' owners, the counters."""
    t = intake_tables
    rows, audits, owners = [], [], []
    numbers: Counter[tuple[str, int]] = Counter()
    for c in cases:
        reg, desa = c.template.registration, c.template.desa
        body = {**c.template.payload, "citizen": {**c.template.payload["citizen"], "nik": c.nik, "kk": c.kk,
                                                   "phone": c.phone, "email": c.email}}
        rows.append(dict(
            case_id=c.case_id, case_number=c.case_number, nik=c.nik, kk=c.kk, citizen_ref=c.citizen_ref,
            name=reg.citizen.name, phone=c.phone, email=c.email, language=reg.citizen.language.value,
            region_code=desa.code, kecamatan_code=desa.kecamatan_code, kabupaten_code=desa.kabupaten_code,
            provinsi_code=desa.provinsi_code, region_names=region_names(desa), channel=reg.channel.value,
            level=c.template.level.value, status=CaseStatus.REFERRED.value,
            needs=[n.value for n in c.template.needs], ppks=reg.ppks, body=body, warnings=c.template.warnings,
            registered_at=c.registered_at, status_changed_at=c.dispatched_at))
        audits.append(audit.row(REGISTERED, "case_registered", c.case_id, c.citizen_ref, None, c.registered_at))
        owners += [{"referral_id": referral_id, "case_id": c.case_id, "owner_id": owner.owner_id,
                    "programme": need.value}
                   for referral_id, need, owner in zip(c.referral_ids, c.template.needs, c.template.owners,
                                                       strict=True)]
        numbers[(desa.kabupaten_code, c.registered_at.year)] += 1
    async with sessions() as session, session.begin():
        await session.execute(t.cases.insert(), rows)
        await audit.record_rows(session, t.audit_log, audits)
        await session.execute(t.referral_owners.insert(), owners)
        insert = upsert(session, t.case_counters)
        await session.execute(insert.values([{"kabupaten_code": k, "year": y, "last": n}
                                             for (k, y), n in sorted(numbers.items())])
                              .on_conflict_do_update(index_elements=["kabupaten_code", "year"],
                                                     set_={"last": t.case_counters.c.last + insert.excluded["last"]}))
    return Counter({"intake.cases": len(rows), "intake.audit_log": len(audits),
                    "intake.referral_owners": len(owners)})


async def routing(sessions: Sessions, cases: list[OpenCase], rules_version: str) -> Counter[str]:
    """The cases (referred), one referral per need to the owner the rules name, the SLA timers."""
    t = routing_tables
    rows, referrals, timers = [], [], []
    for c in cases:
        reg, level = c.template.registration, c.template.level.value
        rows.append(dict(
            case_id=c.case_id, case_number=c.case_number, region_code=c.region_code, channel=reg.channel.value,
            start_level=level, level=level, status=CaseStatus.REFERRED.value,
            needs=[n.value for n in c.template.needs], ppks=reg.ppks,
            dtsen_status=reg.household.dtsen_status.value, rules_version=rules_version, deadline=c.deadline,
            overdue=False, complaints=0, registered_at=c.registered_at))
        referrals += [dict(
            referral_id=referral_id, case_id=c.case_id, programme=need.value, owner_id=owner.owner_id,
            owner_name=owner.name, owner_level=owner.level.value, owner_region=owner.region,
            status=ReferralStatus.DISPATCHED.value, tried_owners=[], due_at=c.deadline, created_at=c.dispatched_at,
            updated_at=c.dispatched_at)
            for referral_id, need, owner in zip(c.referral_ids, c.template.needs, c.template.owners, strict=True)]
        timers.append({"case_id": c.case_id, "kind": "sla", "due_at": c.deadline, "traceparent": None})
    async with sessions() as session, session.begin():
        await session.execute(t.cases.insert(), rows)
        await session.execute(t.referrals.insert(), referrals)
        await session.execute(t.timers.insert(), timers)
    return Counter({"routing.cases": len(rows), "routing.referrals": len(referrals), "routing.timers": len(timers)})


def _finished(row: Any, case: OpenCase) -> dict[str, Any]:
    """A planned message as delivery leaves it: sent, or skipped if it is the citizen's to an address they lack."""
    lacking = row.recipient == "citizen" and getattr(case, {"sms": "phone", "email": "email"}[row.channel]) is None
    return {"_id": row.notification_id, "_status": "skipped" if lacking else "sent", "_at": case.registered_at,
            "_done": case.sent_at, "_error": f"no {row.channel} address" if lacking else None}


async def notification(notifier: Notifier, cases: list[OpenCase]) -> tuple[Counter[str], list[CloudEvent]]:
    """The contacts, notification's view of the cases and the messages their events planned, finished as
    delivery finishes them; returns the rows added and the ``notification.sent`` events for reporting."""
    t = notification_tables
    n = t.notifications
    contacts = [dict(case_id=c.case_id, case_number=c.case_number, name="", phone=c.phone, email=c.email,
                     language=c.template.registration.citizen.language.value, updated_at=c.registered_at)
                for c in cases]  # the name is not kept (as the contacts consumer keeps none)
    events = [(e, data) for c in cases for e in c.events if (data := read_event(notifier, e)) is not None]
    by_id = {c.case_id: c for c in cases}
    async with notifier.sessions() as session, session.begin():
        await session.execute(t.contacts.insert(), contacts)
        planned = await plan_notifications(notifier, session, events)
        # finished by primary key: a filter on the status as well lets a planner without statistics of the fresh
        # rows pick the index on (status, next_attempt_at) and read every pending row for each case
        made = (await session.execute(
            sa.select(n.c.notification_id, n.c.case_id, n.c.channel, n.c.template, n.c.recipient, n.c.status)
            .where(n.c.case_id.in_(sorted(by_id))))).all()
        pending = [row for row in made if row.status == "pending"]
        finished = [_finished(row, by_id[row.case_id]) for row in pending]
        if finished:
            await session.execute(n.update().where(n.c.notification_id == sa.bindparam("_id")).values(
                status=sa.bindparam("_status"), attempts=1, created_at=sa.bindparam("_at"),
                next_attempt_at=sa.bindparam("_at"), finished_at=sa.bindparam("_done"),
                last_error=sa.bindparam("_error")), finished)
    sent = [row for row, done in zip(pending, finished, strict=True) if done["_status"] == "sent"]
    outcomes = []
    for row in sent:
        event = NotificationSent(case_id=row.case_id, notification_id=row.notification_id, channel=row.channel,
                                 template=row.template, attempts=1, recipient=row.recipient)
        outcomes.append(CloudEvent(id=f"{row.notification_id}-sent", source=NOTIFICATION_SOURCE,
                                   type=event.ce_type, time=by_id[row.case_id].sent_at,
                                   data=event.model_dump(mode="json"), key=row.case_id))
    return Counter({"notification.contacts": len(contacts), "notification.cases": len(cases),
                    "notification.notifications": planned}), outcomes


async def reporting(sessions: Sessions, cases: list[OpenCase], outcomes: list[CloudEvent]) -> Counter[str]:
    """Every event of the cases in the event log, projected into the read model by the projection's own code,
``PROJECTED_TOGETHER`` cases per transaction."""
    sent: dict[str, list[CloudEvent]] = {}
    for event in outcomes:
        sent.setdefault(str(event.key), []).append(event)
    rows: Counter[str] = Counter()
    for start in range(0, len(cases), PROJECTED_TOGETHER):
        some = cases[start:start + PROJECTED_TOGETHER]
        events = scrubbed([e for c in some for e in (*c.events, *sent.get(c.case_id, ()))])
        async with sessions() as session, session.begin():
            fresh = await log_events(session, events)
            rows["reporting.timeline"] += await project(session, fresh)
        rows["reporting.event_log"] += len(fresh)
        rows["reporting.cases"] += len(some)
        rows["reporting.referrals"] += sum(len(c.referral_ids) for c in some)
    return rows


async def _numbers(sessions: Sessions) -> dict[tuple[str, int], int]:
    c = intake_tables.case_counters
    async with sessions() as session:
        return {(r.kabupaten_code, int(r.year)): int(r.last)
                for r in await session.execute(sa.select(c.c.kabupaten_code, c.c.year, c.c.last))}


def default_notifier(sessions: Sessions) -> Notifier:
    """Notification's rules, templates and directory as the service has them by default."""
    templates = load_templates(DEFAULT_TEMPLATES)
    return Notifier(sessions=sessions, topics=Topics(""), rules=load_rules(NOTIFICATION_RULES, templates),
                    templates=templates, directory=load_directory(SAMPLE_DIRECTORY))


def _loading_engine(url: str) -> AsyncEngine:
    """The service's kind of engine; on SQLite with a page cache of 256 MiB (the default is 2 MiB), as the
    indexes over the cases' random ids grow past it (each chunk still takes longer than the one before)."""
    engine = db.create_engine(url)
    if not db.is_postgres(engine):
        @sa.event.listens_for(engine.sync_engine, "connect")
        def _cache(dbapi_conn: Any, _: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute(f"PRAGMA cache_size=-{LOAD_CACHE_KIB}")
            cursor.close()
    return engine


async def analyze(engine: AsyncEngine, *, vacuum: bool = False) -> None:
    """PostgreSQL: the planner's statistics of the loaded tables (with ``vacuum``, their pages vacuumed too).
    Taken after every chunk: without them the planner reads the next chunk's lists of ids as most of a table and
    scans it whole for each, so the load's time grows with the square of its size."""
    if not db.is_postgres(engine):
        return
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM (ANALYZE)" if vacuum else "ANALYZE")


async def load(urls: Mapping[str, str], count: int, *, pseudonyms: Pseudonyms, avoid: Sequence[str],
               now: datetime | None = None, progress: Callable[[int, float], None] | None = None) -> Loaded:
    """Load ``count`` open cases into the services' databases (``urls``: service -> database URL, migrated),
    ``CHUNK`` cases per transaction in each; ``progress(cases loaded, seconds)`` after each chunk."""
    started = time.perf_counter()
    engines = {service: _loading_engine(urls[service]) for service in SERVICES}
    try:
        sessions = {service: db.session_factory(engine) for service, engine in engines.items()}
        rules = load_rule_book(ROUTING_RULES)
        router = Routing(sessions=sessions["routing"], rules=rules, sla=SlaPolicy(ladder=dict(rules.sla_working_days)),
                         topics=Topics(""), close_after=timedelta(days=14))
        planner = Planner(pseudonyms, router, avoid=avoid, numbers=await _numbers(sessions["intake"]),
                          now=now or datetime.now(UTC))
        tell = default_notifier(sessions["notification"])
        loaded = Loaded()
        while loaded.cases < count:
            cases = planner.next(min(CHUNK, count - loaded.cases))
            # three databases written at once: SQLite works in aiosqlite's threads without the GIL meanwhile
            in_intake, in_routing, (rows, outcomes) = await asyncio.gather(
                intake(sessions["intake"], cases), routing(sessions["routing"], cases, rules.version),
                notification(tell, cases))
            loaded.rows += in_intake + in_routing + rows
            loaded.rows += await reporting(sessions["reporting"], cases, outcomes)
            loaded.cases += len(cases)
            await asyncio.gather(*(analyze(engine) for engine in engines.values()))
            if progress is not None:
                progress(loaded.cases, time.perf_counter() - started)
        for engine in engines.values():
            await analyze(engine, vacuum=True)
        loaded.seconds = time.perf_counter() - started
        return loaded
    finally:
        for engine in engines.values():
            await engine.dispose()
