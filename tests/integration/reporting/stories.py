"""Events of realistic case stories, as Kafka records, and a reporting service to project them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from slrt_contracts import case_events as ce
from slrt_contracts.base import EventData
from slrt_contracts.codes import Channel, DtsenStatus, ErasureReason, Level, Programme, ReferralStatus
from slrt_contracts.envelope import KafkaRecord, to_kafka
from slrt_contracts.notification_events import NotificationFailed, NotificationSent
from slrt_reporting.app import build_app
from slrt_reporting.settings import ReportingSettings

from tests.support import eventually
from tests.support.apps import running

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
PKH_OWNER = "dinsos-pkh@32.01"


def settings_for(kafka_broker, topic_prefix: str, database_url: str) -> ReportingSettings:  # type: ignore[no-untyped-def]
    return ReportingSettings(kafka_bootstrap=kafka_broker.bootstrap, topic_prefix=topic_prefix,
                             reporting_database_url=database_url)


@asynccontextmanager
async def reporting(settings: ReportingSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(build_app(settings)) as client:
        yield client


class Story:
    """One case's events, each with the time it happened (``ce_time``), as the producers would send them."""

    def __init__(self, settings: ReportingSettings, case_id: str, region: str, n: int, *, start: datetime = T0,
                 needs: tuple[Programme, ...] = (Programme.PKH,), ppks: tuple[int, ...] = (24,),
                 level: Level = Level.DESA) -> None:
        self.topics, self.case_id, self.region, self.n = settings.topics, case_id, region, n
        self.start, self.needs, self.ppks, self.level = start, needs, ppks, level
        self.records: list[KafkaRecord] = []

    def at(self, **delta: float) -> datetime:
        return self.start + timedelta(**delta)

    def add(self, data: EventData, at: datetime, *, notification: bool = False) -> KafkaRecord:
        topic = self.topics.notification_events if notification else self.topics.case_events
        record = to_kafka(data, topic=topic, source="/tests", key=self.case_id, time=at)
        self.records.append(record)
        return record

    @property
    def number(self) -> str:
        return f"{self.region[:5].replace('.', '')}-2026-{self.n:06d}"

    def registered(self) -> KafkaRecord:
        return self.add(ce.CaseRegistered(
            case_id=self.case_id, case_number=self.number, region_code=self.region, level=self.level,
            channel=Channel.SLRT if self.level is Level.KABUPATEN else Channel.PUSKESOS, ppks=list(self.ppks),
            needs=list(self.needs), household=ce.HouseholdInfo(dtsen_status=DtsenStatus.REGISTERED),
            citizen_ref="cit_test", registered_at=self.start), self.start)

    def dispatched(self, referral: str, programme: Programme = Programme.PKH, *, owner: str = PKH_OWNER,
                   seconds: float = 1, due_days: float = 10, deadline_days: float = 3) -> KafkaRecord:
        at = self.at(seconds=seconds)
        return self.add(ce.ReferralDispatched(
            case_id=self.case_id, referral_id=referral, programme=programme, owner_id=owner,
            owner_level=Level.KABUPATEN, owner_region="32.01", rules_version="t", owner_name="Dinas Sosial",
            due_at=self.start + timedelta(days=due_days), case_number=self.number, case_level=self.level,
            case_deadline=self.start + timedelta(days=deadline_days)), at)

    def answered(self, referral: str, status: str, hours: float, reason: str | None = None,
                 reason_code: str | None = None) -> KafkaRecord:
        model = ce.REFERRAL_STATUS_EVENTS[ReferralStatus(status)]
        at = self.at(hours=hours)
        return self.add(model(case_id=self.case_id, referral_id=referral, reason=reason, reason_code=reason_code,
                              at=at), at)

    def escalated(self, to: Level, hours: float, deadline_days: float) -> KafkaRecord:
        frm = Level.DESA if to is Level.KECAMATAN else Level.KECAMATAN
        return self.add(ce.CaseEscalated(case_id=self.case_id, from_level=frm, to_level=to, reason="sla_expired",
                                         deadline=self.start + timedelta(days=deadline_days)), self.at(hours=hours))

    def milestone(self, kind: str, hours: float, level: Level = Level.DESA, deadline_days: float = 40) -> KafkaRecord:
        at = self.at(hours=hours)
        if kind == "reopened":
            return self.add(ce.CaseReopened(case_id=self.case_id, level=level, at=at,
                                            deadline=self.start + timedelta(days=deadline_days)), at)
        model = {"overdue": ce.CaseOverdue, "resolved": ce.CaseResolved, "closed": ce.CaseClosed}[kind]
        return self.add(model(case_id=self.case_id, level=level, at=at), at)

    def complaint(self, complaint_id: str, hours: float) -> KafkaRecord:
        at = self.at(hours=hours)
        return self.add(ce.ComplaintFiled(case_id=self.case_id, complaint_id=complaint_id, filed_at=at), at)

    def erased(self, hours: float) -> KafkaRecord:
        at = self.at(hours=hours)
        return self.add(ce.CaseErased(case_id=self.case_id, reason=ErasureReason.CITIZEN_REQUEST, at=at), at)

    def notified(self, outcome: str, channel: str, hours: float, notification_id: str) -> KafkaRecord:
        model = NotificationSent if outcome == "sent" else NotificationFailed
        return self.add(model(case_id=self.case_id, notification_id=notification_id, channel=channel,
                              template="case_registered", attempts=1), self.at(hours=hours), notification=True)


async def case_when(client: httpx.AsyncClient, case_id: str, check) -> dict:  # type: ignore[no-untyped-def]
    """The case view once ``check(view)`` holds."""

    async def ready() -> dict | None:
        response = await client.get(f"/v1/cases/{case_id}")
        if response.status_code != 200:
            return None
        view = response.json()
        return view if check(view) else None

    return await eventually(ready, timeout=60)


async def stats_when(client: httpx.AsyncClient, check, **params: str) -> dict:  # type: ignore[no-untyped-def]
    async def ready() -> dict | None:
        body = (await client.get("/v1/stats", params=params)).json()
        return body if check(body) else None

    return await eventually(ready, timeout=60)
