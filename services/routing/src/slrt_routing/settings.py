"""Routing's settings (``SLRT_`` prefix)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from slrt_shared.settings import ServiceSettings

DEFAULT_RULES = Path(__file__).parent / "rules" / "rules.yaml"


class RoutingSettings(ServiceSettings):
    service_name: str = "routing"
    routing_port: int = 8002
    routing_database_url: str = "sqlite+aiosqlite:///./var/routing.db"
    rules_file: Path = Field(default=DEFAULT_RULES, description="the routing rules (SLRT_RULES_FILE)")
    sla_override_seconds: float | None = Field(
        default=None, gt=0, description="drill mode: every SLA step lasts this many seconds instead of working days")
    close_after_days: float = Field(default=14.0, ge=0, description="a resolved case is closed after this many days")
    close_after_seconds: float | None = Field(default=None, ge=0, description="drill mode for closing")
    sweep_interval_seconds: float = Field(default=1.0, gt=0)
    sweep_batch: int = Field(default=200, ge=1)

    @property
    def port(self) -> int:
        return self.routing_port

    @property
    def database_url(self) -> str:
        return self.routing_database_url
