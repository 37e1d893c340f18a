"""Routing rules as data: which programme owner has authority for a need, in the citizen's region.

The rule book is a versioned YAML file, validated at start-up (``load_rule_book``): an invalid file stops
the service with an error naming the bad entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from slrt_contracts.codes import DtsenStatus, Level, Programme
from slrt_contracts.regions import parent_at
from slrt_shared.errors import SlrtError

LADDER = (Level.DESA, Level.KECAMATAN, Level.KABUPATEN)


class RulesError(SlrtError):
    pass


class Conditions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ppks_any: list[int] | None = Field(default=None, description="at least one of these PPKS")
    dtsen_status: list[DtsenStatus] | None = None
    region_in: list[str] | None = Field(default=None, description="region codes (any level) where the owner serves")


class OwnerRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(min_length=1, max_length=80)
    name: str
    level: Level
    sla_working_days: int = Field(ge=1, le=60)
    when: Conditions = Field(default_factory=Conditions)

    @model_validator(mode="after")
    def _region_placeholder(self) -> OwnerRule:
        if self.level is not Level.NASIONAL and "{region}" not in self.id:
            raise ValueError("a regional owner id must contain {region}")
        return self


class RuleBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(min_length=1)
    sla_working_days: dict[Level, int]
    programmes: dict[Programme, list[OwnerRule]]

    @model_validator(mode="after")
    def _complete(self) -> RuleBook:
        missing = [p.value for p in Programme if not self.programmes.get(p)]
        if missing:
            raise ValueError(f"no owner for programmes: {', '.join(missing)}")
        ladder_missing = [lv.value for lv in LADDER if lv not in self.sla_working_days]
        if ladder_missing:
            raise ValueError(f"sla_working_days lacks: {', '.join(ladder_missing)}")
        return self

    def owners_for(self, programme: Programme, case: RoutableCase) -> list[ProgrammeOwner]:
        """The owners with authority for this need, in order of preference."""
        return [_owner(rule, case.region_code) for rule in self.programmes[programme] if _matches(rule.when, case)]

    def route(
        self, programme: Programme, case: RoutableCase, *, excluding: Iterable[str] = ()
    ) -> ProgrammeOwner | None:
        tried = set(excluding)
        return next((o for o in self.owners_for(programme, case) if o.owner_id not in tried), None)

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class RoutableCase:
    region_code: str
    ppks: tuple[int, ...]
    dtsen_status: DtsenStatus


@dataclass(frozen=True)
class ProgrammeOwner:
    owner_id: str
    name: str
    level: Level
    region: str
    sla_working_days: int


def _matches(when: Conditions, case: RoutableCase) -> bool:
    if when.ppks_any is not None and not set(when.ppks_any) & set(case.ppks):
        return False
    if when.dtsen_status is not None and case.dtsen_status not in when.dtsen_status:
        return False
    if when.region_in is not None and not any(
        case.region_code == r or case.region_code.startswith(r + ".") for r in when.region_in
    ):
        return False
    return True


def _owner(rule: OwnerRule, desa_code: str) -> ProgrammeOwner:
    region = "nasional" if rule.level is Level.NASIONAL else parent_at(desa_code, rule.level)
    return ProgrammeOwner(owner_id=rule.id.replace("{region}", region), name=rule.name, level=rule.level,
                          region=region, sla_working_days=rule.sla_working_days)


def load_rule_book(path: Path) -> RuleBook:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"cannot read the rules file {path}: {exc}") from None
    try:
        return RuleBook.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise RulesError(f"invalid rules file {path}: {problems}") from None
