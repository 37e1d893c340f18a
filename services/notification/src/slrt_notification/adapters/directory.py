"""The directory of officers (per programme owner) and supervisors (per region and level): a YAML file.

Offices and roles, never named people. The sample shipped with the service is fictitious (example.id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from slrt_contracts.codes import Level
from slrt_contracts.regions import ancestors, level_of
from slrt_shared.errors import SlrtError, validation_summary

_DEPTH = {Level.PROVINSI: 1, Level.KABUPATEN: 2, Level.KECAMATAN: 3, Level.DESA: 4}


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^\+62\d{8,13}$")

    @model_validator(mode="after")
    def _reachable(self) -> Address:
        if not self.email and not self.phone:
            raise ValueError("an entry needs an email or a phone")
        return self


class DirectoryError(SlrtError):
    pass


def supervising_regions(region_code: str, level: Level) -> list[str]:
    """The regions whose supervisors oversee ``region_code`` at ``level`` and above, nearest first:
    ``32.01.01.1002`` at kecamatan -> [``32.01.01``, ``32.01``, ``32``, ``nasional``]."""
    if level is Level.NASIONAL:
        return ["nasional"]
    chain = ancestors(region_code)[: _DEPTH[level]]
    return [*reversed(chain), "nasional"]


@dataclass(frozen=True)
class Directory:
    owners: dict[str, Address] = field(default_factory=dict)
    supervisors: dict[str, Address] = field(default_factory=dict)

    def officer(self, owner_id: str) -> Address | None:
        return self.owners.get(owner_id)

    def supervisor(self, region_code: str) -> Address | None:
        return self.supervisors.get(region_code)

    def first_supervisor(self, regions: Iterable[str]) -> Address | None:
        return next((found for r in regions if (found := self.supervisors.get(r)) is not None), None)


def load_directory(path: Path) -> Directory:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        supervisors = {str(k): Address.model_validate(v) for k, v in (raw.get("supervisors") or {}).items()}
        for code in supervisors:
            if code != "nasional" and level_of(code) is Level.DESA:
                raise ValueError(f"supervisor region {code} is a desa: use a kecamatan or a higher level")
        return Directory(
            owners={str(k): Address.model_validate(v) for k, v in (raw.get("owners") or {}).items()},
            supervisors=supervisors,
        )
    except ValidationError as exc:
        raise DirectoryError(f"invalid directory file {path}: {validation_summary(exc)}") from None
    except (OSError, yaml.YAMLError, ValueError, AttributeError) as exc:
        raise DirectoryError(f"invalid directory file {path}: {type(exc).__name__}: {exc}") from None
