"""Reporting's answers, typed for the OpenAPI document where their shape is fixed. Unknown keys are refused
(``extra="forbid"``): a field added to an answer without its type fails the tests instead of being dropped."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from slrt_contracts.codes import CaseStatus, Channel, Level, Programme, ReferralStatus


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Region(_View):
    code: str = Field(examples=["32.01.01"])
    name: str | None = Field(examples=["Cibinong"])


class RegionChildren(_View):
    """A region, the regions above it (``path``, from the province down) and those one level below (``items``)."""

    region: str = Field(examples=["32.01"])
    name: str | None = Field(examples=["Kabupaten Bogor"])
    path: list[Region]
    items: list[Region]


class CaseSummary(_View):
    """A case as lists show it: where it stands, no personal data (the citizen is known to intake only)."""

    case_id: str
    case_number: str | None = Field(examples=["3201-2026-000123"])
    status: CaseStatus
    level: Level = Field(description="the level handling it now (desa, kecamatan, kabupaten)")
    region_code: str = Field(examples=["32.01.01.1002"])
    region_name: str | None = Field(examples=["Cibinong"])
    channel: Channel | None
    ppks: list[int] = Field(description="PPKS ordinals 1-26; an analyst is not shown the sensitive ones")
    needs: list[Programme]
    owners: list[str] = Field(description="owner ids of the programme owners handling the case now")
    registered_at: str | None
    resolved_at: str | None
    closed_at: str | None
    deadline: str | None = Field(description="the SLA deadline of the level handling it")
    overdue: bool
    escalated: bool = Field(description="it reached kecamatan or kabupaten")
    complaints: int
    updated_at: str | None


class Place(_View):
    desa: str
    kecamatan: str
    kabupaten: str
    provinsi: str


class CaseReferral(_View):
    referral_id: str
    programme: Programme
    owner_id: str | None
    owner_name: str | None
    status: ReferralStatus
    reason_code: str | None
    reason: str | None = Field(description="the reason code's words (none for an analyst)")
    due_at: str | None
    answered_at: str | None


class TimelineEntry(_View):
    """One event of the case: its type, when, and the coded fields it has (absent ones are left out)."""

    type: str = Field(examples=["referral.accepted"])
    at: str | None
    referral_id: str | None = None
    programme: str | None = None
    owner_id: str | None = None
    owner_name: str | None = None
    status: str | None = None
    reason: str | None = None
    reason_code: str | None = None
    from_level: str | None = None
    to_level: str | None = None
    level: str | None = None
    deadline: str | None = None
    due_at: str | None = None
    case_deadline: str | None = None
    complaint_id: str | None = None
    channel: str | None = None
    template: str | None = None
    recipient: str | None = None
    attempts: int | None = None
    case_number: str | None = None


class CaseView(CaseSummary):
    """One case with where it is, its referrals and its timeline."""

    region: Place | None
    time_zone: str = Field(examples=["Asia/Jakarta"])
    referrals: list[CaseReferral]
    timeline: list[TimelineEntry]


class CasePage(_View):
    items: list[CaseSummary]
    total: int | None = Field(description="how many match the filter")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; none on the last")


class Compliance(_View):
    met: int
    missed: int
    compliance: float | None = Field(description="met / (met + missed), none before any deadline passed")
    open: int | None = Field(default=None, description="referrals still open (per owner only)")


class Funnel(_View):
    desa: int
    kecamatan: int
    kabupaten: int
    overdue: int


class Sla(_View):
    met: int
    missed: int


class Notifications(_View):
    sent: dict[str, int] = Field(description="per channel")
    failed: dict[str, int]
    delivery_rate: dict[str, float | None]
    overall_delivery_rate: float | None


class ChildTotals(_View):
    code: str
    name: str | None
    total: int
    open: int
    resolved: int
    overdue: int
    escalated: int


class Stats(_View):
    """The figures of a region and everything in it, from the counters (no scan)."""

    region: str = Field(examples=["32.01"])
    region_name: str | None
    region_level: Level
    time_zone: str | None
    total: int
    by_status: dict[str, int]
    by_level: dict[str, int]
    by_ppks: dict[str, int | None] = Field(description="a cell an analyst may not see (small counts) is null")
    suppressed: list[str] = Field(description="the by_ppks cells withheld")
    by_programme: dict[str, int]
    by_programme_status: dict[str, dict[str, int]]
    escalated: int
    escalation_funnel: Funnel
    overdue: int
    overdue_ever: int
    sla_compliance: float | None
    sla: Sla
    sla_by_owner: dict[str, Compliance]
    sla_by_programme: dict[str, Compliance]
    registered_per_day: dict[str, int]
    resolved_per_day: dict[str, int]
    per_day_by_status: dict[str, dict[str, int]]
    time_to_resolution: dict[str, int]
    mean_resolution_hours: float | None
    notifications: Notifications
    by_region: list[ChildTotals] = Field(description="the regions one level below that have cases")
    as_of: str
