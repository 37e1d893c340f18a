"""Reporting's settings (``SLRT_`` prefix)."""

from __future__ import annotations

from slrt_shared.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    service_name: str = "reporting"
    reporting_port: int = 8004
    reporting_database_url: str = "sqlite+aiosqlite:///./var/reporting.db"

    @property
    def port(self) -> int:
        return self.reporting_port

    @property
    def database_url(self) -> str:
        return self.reporting_database_url
