"""Configuration: one pydantic-settings object per service, all with the ``SLRT_`` prefix.

Nothing else in the system reads ``os.environ``. Each service subclasses ``ServiceSettings`` and adds its
own port and database URL (``SLRT_INTAKE_PORT``, ``SLRT_INTAKE_DATABASE_URL``, ...).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from slrt_contracts.topics import Topics


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
    kafka_batch_wait_ms: int = Field(
        default=1000, ge=1, description="how long a batch consumer waits in one poll for records; records that "
                                        "arrive end the wait at once, so this bounds only how often an idle "
                                        "consumer wakes")
    topic_prefix: str = ""
    topic_partitions: int = Field(default=6, ge=1, description="partitions of topics this service creates")
    topic_replication: int = Field(default=1, ge=1,
                                   description="replication factor of topics it creates (3 in production)")
    personal_data_retention_hours: int = Field(
        default=168, ge=1, description="how long topics with personal data (commands, referral updates, contacts) "
                                       "and their dead letters keep a message")
    dedup_retention_hours: int = Field(
        default=336, ge=0, description="how long inbox rows (and intake's command keys) remember an event, so a "
        "redelivery is still recognised: longer than the broker retains a message plus the worst consumer lag; "
        "0: never purged")
    purge_sweep_seconds: float = Field(default=3600.0, gt=0, description="how often the purge of inbox and "
                                       "idempotency rows older than their horizon runs")
    purge_batch: int = Field(default=1000, ge=1, description="rows deleted per transaction by the purge")
    host: str = "127.0.0.1"
    listen_fd: int | None = Field(
        default=None, ge=0, description="serve HTTP on this inherited listening socket instead of binding the port")
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    outbox_poll_seconds: float = 0.5
    metrics_interval_seconds: float = Field(default=15.0, gt=0, description="how often the gauges of /metrics "
                                            "that are states (consumer lag, outbox backlog, due timers) are read")
    auth_issuer: str | None = Field(default=None, description="OpenID Connect issuer; unset: development tokens")
    auth_jwks_url: str | None = Field(default=None, description="the issuer's JWKS (its public signing keys)")
    auth_audience: str = Field(default="slrt", description="the audience (aud) every token must name")
    var_dir: Path = Field(default=Path("var"), description="where the development signing key lives")
    write_rate_per_second: float = Field(default=50.0, ge=0, description="writes a second per caller; 0: no limit")
    write_burst: int = Field(default=200, ge=1, description="writes a caller may make at once before the rate")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="a larger request body is refused (413)")
    dev_admin_token: str | None = Field(default=None, description="development only: an admin token, nasional")
    consumer_attempts: int = Field(default=3, ge=1, description="tries before a message goes to <topic>.dlt")
    consumer_retry_backoff_seconds: float = Field(default=0.2, gt=0, description="the first wait before a "
                                                  "failing message is tried again; doubled on each failure")
    consumer_pause_max_seconds: float = Field(default=10.0, gt=0, description="the longest a partition waits "
                                              "between tries while a dependency (database, broker) is away")
    kafka_max_message_bytes: int = Field(default=1_048_576, ge=1024, description="a consumed value larger than "
                                         "this is dead-lettered as too_large; the producer's limit too")

    @model_validator(mode="after")
    def _dedup_outlives_the_broker(self) -> Self:
        if self.dedup_retention_hours and self.dedup_retention_hours <= self.personal_data_retention_hours:
            raise ValueError(
                f"SLRT_DEDUP_RETENTION_HOURS ({self.dedup_retention_hours}) must be longer than the topics' "
                f"retention SLRT_PERSONAL_DATA_RETENTION_HOURS ({self.personal_data_retention_hours}): the inbox "
                "must remember an event as long as the broker can deliver it again")
        return self

    @property
    def dedup_retention(self) -> timedelta | None:
        """How long an inbox row is kept (None: for good)."""
        return timedelta(hours=self.dedup_retention_hours) if self.dedup_retention_hours else None

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
