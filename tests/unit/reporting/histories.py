"""Realistic event histories of one case, as the domain receives them (validated by ``decode``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slrt_contracts import case_events as ce
from slrt_contracts.base import EventData
from slrt_contracts.codes import Channel, DtsenStatus, Level, Programme
from slrt_contracts.notification_events import NotificationFailed, NotificationSent
from slrt_reporting.domain.events import Event, decode

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CASE = "c1"
DESA = "32.01.01.1002"


def ev(data: EventData, at: datetime) -> Event:
    event = decode(data.ce_type, data.model_dump(mode="json"), at)
    assert event is not None
    return event


def registered(at: datetime = T0, level: Level = Level.DESA) -> Event:
    return ev(ce.CaseRegistered(case_id=CASE, case_number="3201-2026-000001", region_code=DESA, level=level,
                                channel=Channel.PUSKESOS, ppks=[24, 9], needs=[Programme.PKH, Programme.PIP],
                                household=ce.HouseholdInfo(dtsen_status=DtsenStatus.REGISTERED),
                                citizen_ref="cit_1", registered_at=at), at)


def dispatched(referral: str, at: datetime, *, programme: Programme = Programme.PKH, owner: str = "dinsos@32.01",
               due: timedelta = timedelta(days=10), deadline: timedelta = timedelta(days=3)) -> Event:
    return ev(ce.ReferralDispatched(case_id=CASE, referral_id=referral, programme=programme, owner_id=owner,
                                    owner_level=Level.KABUPATEN, owner_region="32.01", rules_version="t",
                                    due_at=T0 + due, owner_name="Dinas Sosial", case_number="3201-2026-000001",
                                    case_level=Level.DESA, case_deadline=T0 + deadline), at)


def answered(referral: str, status: str, at: datetime, reason: str | None = None,
             reason_code: str | None = None) -> Event:
    model = {"accepted": ce.ReferralAccepted, "rejected": ce.ReferralRejected,
             "in_progress": ce.ReferralInProgress, "resolved": ce.ReferralResolved}[status]
    return ev(model(case_id=CASE, referral_id=referral, reason=reason, reason_code=reason_code, at=at), at)


def escalated(to: Level, at: datetime, deadline: timedelta) -> Event:
    frm = Level.DESA if to is Level.KECAMATAN else Level.KECAMATAN
    return ev(ce.CaseEscalated(case_id=CASE, from_level=frm, to_level=to, reason="sla_expired",
                               deadline=T0 + deadline), at)


def milestone(kind: str, at: datetime, level: Level = Level.DESA, deadline: timedelta | None = None) -> Event:
    if kind == "reopened":
        return ev(ce.CaseReopened(case_id=CASE, level=level, at=at, deadline=T0 + (deadline or timedelta(9))), at)
    model = {"resolved": ce.CaseResolved, "closed": ce.CaseClosed, "overdue": ce.CaseOverdue}[kind]
    return ev(model(case_id=CASE, level=level, at=at), at)


def notified(outcome: str, channel: str, at: datetime, n: int = 1) -> Event:
    model = NotificationSent if outcome == "sent" else NotificationFailed
    return ev(model(case_id=CASE, notification_id=f"n{n}-{channel}", channel=channel, template="registered",
                    attempts=1), at)


def complaint(at: datetime) -> Event:
    return ev(ce.ComplaintFiled(case_id=CASE, complaint_id="k1", filed_at=at), at)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def long_history() -> list[Event]:
    """Registered, two referrals, one accepted, escalated twice, overdue, resolved, closed, reopened by a
    complaint, re-dispatched and accepted again; notifications along the way."""
    return [
        registered(), dispatched("r1", hours(0.01)), dispatched("r2", hours(0.02), programme=Programme.PIP,
                                                                 owner="disdik@32.01"),
        notified("sent", "sms", hours(0.03)), notified("failed", "email", hours(0.03)),
        answered("r1", "accepted", hours(2)), answered("r2", "rejected", hours(3), reason="bukan wewenang"),
        escalated(Level.KECAMATAN, hours(72), timedelta(days=8)),
        escalated(Level.KABUPATEN, hours(192), timedelta(days=22)),
        milestone("overdue", hours(528), Level.KABUPATEN), answered("r1", "resolved", hours(530)),
        milestone("resolved", hours(530), Level.KABUPATEN), milestone("closed", hours(700), Level.KABUPATEN),
        complaint(hours(710)), milestone("reopened", hours(710), deadline=timedelta(days=33)),
        dispatched("r3", hours(710.01), deadline=timedelta(days=33)), answered("r3", "accepted", hours(712)),
        notified("sent", "sms", hours(712), n=2),
    ]
