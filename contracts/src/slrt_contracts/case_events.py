"""``slrt.case.events`` (key ``case_id``): what happened to a case. Public: no personal data."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from slrt_contracts.base import EventData
from slrt_contracts.codes import Channel, DtsenStatus, ErasureReason, Level, Programme, ReasonCode, ReferralStatus
from slrt_contracts.topics import CASE_EVENTS


class HouseholdInfo(EventData):
    dtsen_status: DtsenStatus = DtsenStatus.UNKNOWN
    desil: int | None = Field(default=None, ge=1, le=10)


class CaseEvent(EventData):
    topic: ClassVar[str] = CASE_EVENTS
    case_id: str


class CaseRegistered(CaseEvent):
    ce_type: ClassVar[str] = "id.slrt.case.registered.v1"
    case_number: str
    region_code: str = Field(description="desa/kelurahan code, dotted")
    level: Level
    channel: Channel
    ppks: list[int]
    needs: list[Programme]
    household: HouseholdInfo
    citizen_ref: str = Field(description="pseudonymous, stable per citizen; not reversible without intake's key")
    registered_at: datetime
    warnings: list[str] = Field(default_factory=list)


class ComplaintFiled(CaseEvent):
    ce_type: ClassVar[str] = "id.slrt.complaint.filed.v1"
    complaint_id: str
    referral_id: str | None = None
    filed_at: datetime


class ReferralDispatched(CaseEvent):
    ce_type: ClassVar[str] = "id.slrt.referral.dispatched.v1"
    referral_id: str
    programme: Programme
    owner_id: str
    owner_level: Level
    owner_region: str
    rules_version: str
    due_at: datetime
    owner_name: str | None = None
    case_number: str | None = None
    case_level: Level | None = Field(default=None, description="the level the case is handled at now")
    case_deadline: datetime | None = Field(default=None, description="when the case's SLA clock runs out")


class ReferralStatusChanged(CaseEvent):
    """The base of ``referral.accepted`` / ``.rejected`` / ``.in_progress`` / ``.resolved``."""

    referral_id: str
    status: ReferralStatus
    reason: str | None = Field(default=None, description="the words of `reason_code` in Bahasa Indonesia, never "
                                                         "the owner's free text")
    at: datetime | None = None
    reason_code: ReasonCode | None = None


class ReferralAccepted(ReferralStatusChanged):
    ce_type: ClassVar[str] = "id.slrt.referral.accepted.v1"
    status: Literal[ReferralStatus.ACCEPTED] = ReferralStatus.ACCEPTED


class ReferralRejected(ReferralStatusChanged):
    ce_type: ClassVar[str] = "id.slrt.referral.rejected.v1"
    status: Literal[ReferralStatus.REJECTED] = ReferralStatus.REJECTED


class ReferralInProgress(ReferralStatusChanged):
    ce_type: ClassVar[str] = "id.slrt.referral.in_progress.v1"
    status: Literal[ReferralStatus.IN_PROGRESS] = ReferralStatus.IN_PROGRESS


class ReferralResolved(ReferralStatusChanged):
    ce_type: ClassVar[str] = "id.slrt.referral.resolved.v1"
    status: Literal[ReferralStatus.RESOLVED] = ReferralStatus.RESOLVED


REFERRAL_STATUS_EVENTS: dict[ReferralStatus, type[ReferralStatusChanged]] = {
    ReferralStatus.ACCEPTED: ReferralAccepted,
    ReferralStatus.REJECTED: ReferralRejected,
    ReferralStatus.IN_PROGRESS: ReferralInProgress,
    ReferralStatus.RESOLVED: ReferralResolved,
}


class CaseEscalated(CaseEvent):
    ce_type: ClassVar[str] = "id.slrt.case.escalated.v1"
    from_level: Level
    to_level: Level
    reason: Literal["sla_expired", "manual"]
    deadline: datetime
    note: str | None = Field(default=None, description="no longer filled: a supervisor's note stays in routing")


class CaseMilestone(CaseEvent):
    """The base of ``case.overdue`` / ``case.resolved`` / ``case.closed``."""

    level: Level
    at: datetime


class CaseOverdue(CaseMilestone):
    ce_type: ClassVar[str] = "id.slrt.case.overdue.v1"


class CaseResolved(CaseMilestone):
    ce_type: ClassVar[str] = "id.slrt.case.resolved.v1"


class CaseClosed(CaseMilestone):
    ce_type: ClassVar[str] = "id.slrt.case.closed.v1"


class CaseReopened(CaseMilestone):
    """Extension: a complaint on a resolved or closed case reopened it (the clock restarts)."""

    ce_type: ClassVar[str] = "id.slrt.case.reopened.v1"
    deadline: datetime


class CaseErased(CaseEvent):
    """Extension: the personal data of a case was erased. Every service forgets what it holds of the citizen
    for this case (intake the identity and contacts, routing the owners' and supervisors' free text,
    notification the contacts and message contents, reporting free text and the pseudonym); what stays is the
    case's anonymous facts (region, needs, PPKS, statuses, dates)."""

    ce_type: ClassVar[str] = "id.slrt.case.erased.v1"
    reason: ErasureReason
    at: datetime
