"""``slrt.referral.updates`` (key ``case_id``): programme owners answer referrals."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from slrt_contracts.base import EventData
from slrt_contracts.codes import ReasonCode, ReferralStatus
from slrt_contracts.topics import REFERRAL_UPDATES


class ReferralUpdate(EventData):
    ce_type: ClassVar[str] = "id.slrt.referral.update.v1"
    topic: ClassVar[str] = REFERRAL_UPDATES
    referral_id: str = Field(max_length=64)
    case_id: str = Field(max_length=64)
    status: ReferralStatus
    reason: str | None = Field(default=None, max_length=500,
                               description="the owner's free text: kept by routing, never published or sent to "
                                           "the citizen")
    reason_code: ReasonCode | None = Field(default=None, description="why, from the list of reason codes; a "
                                                                     "rejection without one is `other`")
    note: str | None = Field(default=None, max_length=2000)
