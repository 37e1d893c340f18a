"""Configuration: one pydantic-settings object per service, all with the ``SLRT_`` prefix.

Nothing else in the system reads ``os.environ``. Each service subclasses ``ServiceSettings`` and adds its
own port and database URL (``SLRT_INTAKE_PORT``, ``SLRT_INTAKE_DATABASE_URL``, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from slrt_shared.topics import Topics


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_", extra="ignore")

    service_name: str = "slrt"
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    kafka_ssl_cafile: str | None = None
    kafka_enable_idempotence: bool = Field(
        default=False, description="the embedded broker refuses InitProducerId; exactly-once comes from outbox+inbox")
    kafka_fetch_max_wait_ms: int = Field(
        default=50, ge=1, description="consumer long-poll bound; the embedded broker answers only when it runs out")
    topic_prefix: str = ""
    topic_partitions: int = Field(default=6, ge=1, description="partitions of topics this service creates")
    topic_replication: int = Field(default=1, ge=1,
                                   description="replication factor of topics it creates (3 in production)")
    host: str = "127.0.0.1"
    listen_fd: int | None = Field(
        default=None, ge=0, description="serve HTTP on this inherited listening socket instead of binding the port")
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    outbox_poll_seconds: float = 0.5
    auth_issuer: str | None = Field(default=None, description="OpenID Connect issuer; unset: development tokens")
    auth_jwks_url: str | None = Field(default=None, description="the issuer's JWKS (its public signing keys)")
    auth_audience: str = Field(default="slrt", description="the audience (aud) every token must name")
    var_dir: Path = Field(default=Path("var"), description="where the development signing key lives")
    write_rate_per_second: float = Field(default=50.0, ge=0, description="writes a second per caller; 0: no limit")
    write_burst: int = Field(default=200, ge=1, description="writes a caller may make at once before the rate")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="a larger request body is refused (413)")
    dev_admin_token: str | None = Field(default=None, description="development only: an admin token, nasional")
    consumer_attempts: int = Field(default=3, ge=1, description="tries before a message goes to <topic>.dlt")
    consumer_retry_backoff_seconds: float = 0.2

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    @property
    def port(self) -> int:  # overridden by each service
        raise NotImplementedError

    @property
    def database_url(self) -> str:  # overridden by each service
        raise NotImplementedError

    def consumer_group(self, purpose: str) -> str:
        return f"{self.topic_prefix}slrt-{self.service_name}-{purpose}"
