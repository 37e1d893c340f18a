"""Reporting's settings (``SLRT_`` prefix)."""

from __future__ import annotations

from pydantic import Field, field_validator
from slrt_contracts.codes import PPKS
from slrt_shared.settings import ServiceSettings

from slrt_reporting.domain.small_counts import SmallCounts

#: PPKS whose small counts analysts do not see (docs/privacy.md, "Small counts"): children in conflict with the
#: law (3), child victims of violence or mistreatment (6), children in need of special protection (7), sex
#: workers (10), former prisoners (15), people with HIV/AIDS (16), victims of drug abuse (17), of trafficking
#: (18) and of violence (19).
SENSITIVE_PPKS = [3, 6, 7, 10, 15, 16, 17, 18, 19]


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    reporting_port: int = 8004
    reporting_database_url: str = "sqlite+aiosqlite:///./var/reporting.db"
    reporting_sensitive_ppks: list[int] = Field(
        default_factory=lambda: list(SENSITIVE_PPKS),
        description="PPKS ordinals whose small counts analysts do not see (JSON list; [] for none)")
    reporting_small_count_threshold: int = Field(
        default=5, ge=1, description="an analyst sees a sensitive PPKS's count only from this many cases up")

    @field_validator("reporting_sensitive_ppks")
    @classmethod
    def _known_ppks(cls, value: list[int]) -> list[int]:
        unknown = sorted(set(value) - set(PPKS))
        if unknown:
            raise ValueError(f"not PPKS ordinals (1-26): {unknown}")
        return sorted(set(value))

    @property
    def small_counts(self) -> SmallCounts:
        return SmallCounts(frozenset(self.reporting_sensitive_ppks), self.reporting_small_count_threshold)

    @property
    def port(self) -> int:
        return self.reporting_port

    @property
    def database_url(self) -> str:
        return self.reporting_database_url
