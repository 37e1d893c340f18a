"""The events reporting projects, as the domain sees them: a short kind, validated data, and a moment.

Everything reporting keeps passes through ``scrub`` first (live projection and event log alike, so a replay
sees exactly what the live projection saw): fields named like personal data are dropped and every text is
masked (16-digit numbers, phone numbers, e-mail addresses), whatever a producer put in a free-text field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slrt_contracts import regions
from slrt_contracts.base import parse_tolerant
from slrt_contracts.registry import model_for
from slrt_contracts.topics import CASE_EVENTS, NOTIFICATION_EVENTS
from slrt_shared.errors import PermanentError
from slrt_shared.logging import mask_text

PREFIX = "id.slrt."
PERSONAL_KEYS = frozenset({"nik", "kk", "name", "phone", "email", "street", "address", "citizen", "to",
                           "description", "rt", "rw"})
#: The data field that says when the event happened, by kind (otherwise the CloudEvent's ``ce_time``).
MOMENT_FIELD = {"case.registered": "registered_at", "complaint.filed": "filed_at"}


def short(ce_type: str) -> str:
    """``id.slrt.case.registered.v1`` -> ``case.registered``."""
    return ce_type.removeprefix(PREFIX).rsplit(".v", 1)[0]


def scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if str(k).lower() not in PERSONAL_KEYS}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def parse_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


@dataclass(frozen=True)
class Event:
    """One projected event: ``kind`` like ``referral.accepted``, JSON-shaped ``data``, and ``at``: when it
    happened (the data's own time where the contract has one, else ``ce_time``)."""

    kind: str
    data: dict[str, Any]
    at: datetime

    @property
    def case_id(self) -> str:
        return str(self.data["case_id"])

    def time(self, name: str) -> datetime | None:
        return parse_time(self.data.get(name))


def decode(ce_type: str, data: dict[str, Any], ce_time: datetime) -> Event | None:
    """Validate (tolerantly) against the contract; ``None`` for types reporting does not project.

    Raises ``pydantic.ValidationError`` for an event of a known type whose data is invalid (a dead letter)."""
    model = model_for(ce_type)
    if model is None or model.topic not in (CASE_EVENTS, NOTIFICATION_EVENTS):
        return None
    valid = parse_tolerant(model, data).model_dump(mode="json")
    kind = short(ce_type)
    if "region_code" in valid:
        try:
            valid["region_code"] = regions.normalise(valid["region_code"])
        except regions.RegionCodeError:
            raise PermanentError("region_code is not a Kemendagri code") from None
    own = MOMENT_FIELD.get(kind, "at")
    at = parse_time(valid.get(own)) or ce_time.astimezone(UTC)
    return Event(kind=kind, data=valid, at=at)
