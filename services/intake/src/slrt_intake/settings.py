"""Intake's settings (``SLRT_`` prefix)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr
from slrt_shared.pseudonyms import Pseudonyms, pseudonyms
from slrt_shared.settings import ServiceSettings

from slrt_intake.domain.status import LockRules


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    intake_port: int = 8001
    intake_database_url: str = "sqlite+aiosqlite:///./var/intake.db"
    pseudonym_key: SecretStr | None = Field(
        default=None, description="the secret of citizen_ref (a keyed hash of the NIK): at least 32 random "
        "characters, required; `slrt dev` makes one under SLRT_VAR_DIR")
    pseudonym_key_id: str = Field(default="1", description="the id of SLRT_PSEUDONYM_KEY, carried in every "
                                  "citizen_ref it makes: 1 to 3 lowercase letters or digits, new for each key")
    pseudonym_previous_keys: SecretStr | None = Field(
        default=None, description="keys rotated out, as kid:key,kid:key: refs made with them are still found")

    closed_case_retention_days: int = Field(
        default=730, ge=0,
        description="a closed case's personal data is erased this many days after closing (UU 27/2022); 0: never")
    retention_sweep_seconds: float = Field(default=3600.0, gt=0, description="how often the retention sweep runs")
    idempotency_retention_hours: int = Field(
        default=168, ge=0, description="how long an HTTP Idempotency-Key answers its first response; a retry "
        "after that is a new request (linked to the open case, if any); 0: kept for good")

    status_rate_per_minute: int = Field(
        default=10, ge=1, description="POST /v1/status (no token): look-ups a minute per client address, with "
        "bursts of as many; counted in each intake process (429 and Retry-After beyond it)")
    status_misses_before_lock: int = Field(
        default=5, ge=1, description="POST /v1/status: this many misses (no case with the number and phone digits "
        "given) of one case number within SLRT_STATUS_MISS_WINDOW_SECONDS lock that number, in every instance")
    status_miss_window_seconds: float = Field(
        default=86400.0, gt=0, description="POST /v1/status: the window in which misses of a case number count")
    status_lock_seconds: float = Field(
        default=21600.0, gt=0, description="POST /v1/status: how long a locked case number is refused (429), "
        "the right pair too, whether a case has that number or not")
    status_trusted_proxies: int = Field(
        default=0, ge=0, description="POST /v1/status: how many reverse proxies in front of intake append to "
        "X-Forwarded-For; the client is the address that many entries from the right. 0: the connection's "
        "address, and X-Forwarded-For is ignored")

    @property
    def status_lock_rules(self) -> LockRules:
        return LockRules(misses_before_lock=self.status_misses_before_lock,
                         window=timedelta(seconds=self.status_miss_window_seconds),
                         lock=timedelta(seconds=self.status_lock_seconds))

    @property
    def idempotency_retention(self) -> timedelta | None:
        return timedelta(hours=self.idempotency_retention_hours) if self.idempotency_retention_hours else None

    @property
    def port(self) -> int:
        return self.intake_port

    @property
    def database_url(self) -> str:
        return self.intake_database_url

    def pseudonyms(self) -> Pseudonyms:
        """The pseudonym keys; ``PseudonymKeyError`` (one line, naming the variable) if they cannot be used."""
        return pseudonyms(
            key=self.pseudonym_key.get_secret_value() if self.pseudonym_key else None, key_id=self.pseudonym_key_id,
            previous=self.pseudonym_previous_keys.get_secret_value() if self.pseudonym_previous_keys else None)
