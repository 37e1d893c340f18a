"""Who is told what, as data: for each case event, the recipients, their template and channels.

The rules come from a YAML file (``rules/notification-rules.yaml`` by default); this module only says what a
valid set of rules is. Citizens hear of their case number, their referrals and the outcome; the owner's
officer hears of a new referral; the supervisor of the level a case reaches hears of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from slrt_contracts.registry import model_for
from slrt_contracts.topics import CASE_EVENTS
from slrt_shared.errors import SlrtError

Recipient = Literal["citizen", "officer", "supervisor"]
ChannelName = Literal["sms", "email"]
CHANNELS: tuple[ChannelName, ...] = ("sms", "email")


class RulesError(SlrtError):
    """The rules file is not valid: the service refuses to start rather than tell the wrong people."""


class Notice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    recipient: Recipient
    template: str = Field(min_length=1, max_length=40)
    channels: tuple[ChannelName, ...] = Field(default=CHANNELS, min_length=1)


class NotificationRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    events: dict[str, tuple[Notice, ...]] = Field(description="ce_type -> who is told, with which template")

    @field_validator("events")
    @classmethod
    def _case_events_only(cls, events: dict[str, tuple[Notice, ...]]) -> dict[str, tuple[Notice, ...]]:
        for ce_type in events:
            model = model_for(ce_type)
            if model is None or model.topic != CASE_EVENTS:
                raise ValueError(f"{ce_type} is not a case event of the contract")
        return events

    @classmethod
    def from_mapping(cls, raw: Any, *, templates: Iterable[str]) -> NotificationRules:
        """Validate ``raw`` (the parsed file) and check that every template it names exists."""
        try:
            rules = cls.model_validate(raw)
        except ValidationError as exc:
            where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:10])
            raise RulesError(f"invalid notification rules: {where}") from None
        missing = sorted(rules.templates() - set(templates))
        if missing:
            raise RulesError(f"notification rules name unknown templates: {', '.join(missing)}")
        return rules

    def notices_for(self, ce_type: str) -> tuple[Notice, ...]:
        return self.events.get(ce_type, ())

    def templates(self) -> set[str]:
        return {n.template for notices in self.events.values() for n in notices}
