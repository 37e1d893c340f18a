"""Intake's settings (``SLRT_`` prefix)."""

from __future__ import annotations

from pydantic import Field
from slrt_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    intake_port: int = 8001
    intake_database_url: str = "sqlite+aiosqlite:///./var/intake.db"
    pseudonym_key: str = Field(
        default="slrt-development-pseudonym-key",
        description="secret for citizen_ref (HMAC of the NIK); set a strong one in production and keep it",
    )

    @property
    def port(self) -> int:
        return self.intake_port

    @property
    def database_url(self) -> str:
        return self.intake_database_url
