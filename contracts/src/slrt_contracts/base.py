"""The base of every event payload: frozen, strict when produced, tolerant when consumed."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

E = TypeVar("E", bound="EventData")


class EventData(BaseModel):
    """The ``data`` of one CloudEvent. ``ce_type`` carries the major version (``...v1``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ce_type: ClassVar[str]
    topic: ClassVar[str]


def parse_tolerant(model: type[E], data: dict[str, Any]) -> E:
    """Consumers are tolerant: fields added by a newer minor version are ignored, not refused."""
    fields = model.model_fields  # a descriptor: read once, not once per key
    known = {k: v for k, v in data.items() if k in fields}
    return model.model_validate(known)
