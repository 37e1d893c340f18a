"""Routing's answers, typed for the OpenAPI document (so generated clients get real types). Unknown keys are
refused (``extra="forbid"``): a field the use case adds without adding it here fails the tests instead of being
dropped silently. Times are the RFC 3339 strings the use cases write."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from slrt_contracts.codes import Level, ReferralStatus

from slrt_routing.domain.rules import OwnerRule

Time = Annotated[str, Field(json_schema_extra={"format": "date-time"}, examples=["2026-12-09T09:00:00+00:00"])]


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Referral(_View):
    referral_id: str
    case_id: str
    programme: str = Field(examples=["PKH"])
    owner_id: str = Field(examples=["dinsos-pkh@32.01"])
    owner_name: str
    owner_level: Level
    owner_region: str = Field(examples=["32.01"])
    status: ReferralStatus
    reason_code: str | None = Field(description="why (rejected, resolved), from the list of reason codes")
    reason_words: str | None = Field(description="the reason code's words in Bahasa Indonesia")
    reason: str | None = Field(description="the owner's free text: kept by routing, never published")
    note: str | None = Field(description="the owner's free text note")
    due_at: Time | None = Field(description="the deadline of the owner's answer")
    replaced_by: str | None = Field(description="re-routed or re-opened: the referral that took its place")


class Owner(_View):
    """A programme owner with authority over a referral's programme for its case."""

    owner_id: str = Field(examples=["slrt@32.01"])
    name: str
    level: Level
    region: str = Field(examples=["32.01"])


class Escalation(_View):
    from_level: Level
    to_level: Level
    at: Time
    note: str | None = Field(description="the supervisor's reason (free text); not shown to programme owners")
    actor: str | None = Field(description="the supervisor's token subject; not shown to programme owners")


class RoutingCase(_View):
    """Routing's view of a case: its level and clock, its referrals and the escalations by hand."""

    case_id: str
    case_number: str = Field(examples=["3201-2026-000042"])
    status: str = Field(examples=["referred"])
    level: Level
    region_code: str = Field(examples=["32.01.01.1002"])
    rules_version: str
    overdue: bool
    deadline: Time | None = Field(description="when the case escalates if nothing is resolved")
    referrals: list[Referral]
    escalations: list[Escalation]


class ListedReferral(Referral):
    case_number: str
    region_code: str


class ReferralPage(_View):
    items: list[ListedReferral]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class Escalated(_View):
    case_id: str
    from_level: Level
    to_level: Level
    deadline: Time
    reason: str = Field(examples=["manual"])


class Rules(_View):
    version: str = Field(examples=["2026.1"])
    ladder: list[Level]
    sla_working_days: dict[Level, int]
    programmes: dict[str, list[OwnerRule]] = Field(description="the owners with authority per programme, in "
                                                               "order of preference, with their conditions")
    drill_seconds: float | None = Field(description="set in a drill: every SLA step lasts this many seconds")
