"""The console script's own settings (``SLRT_`` prefix): ports and where ``slrt dev`` keeps its files."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("intake", "routing", "notification", "reporting")
#: What `slrt serve` runs: the four services and the console (no broker, no database of its own).
SERVED = (*SERVICES, "console")


class CliSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLRT_", extra="ignore")

    kafka_bootstrap: str | None = None
    topic_prefix: str = ""
    broker_port: int = 9092
    intake_port: int = 8001
    routing_port: int = 8002
    notification_port: int = 8003
    reporting_port: int = 8004
    console_port: int = 8005
    sink_smtp_port: int = 8025
    sink_http_port: int = 8026
    sink_host: str = "127.0.0.1"  # `slrt sinks` in a container: 0.0.0.0, so the other containers reach it
    var_dir: Path = Path("var")
    dev_admin_token: str | None = None
    pseudonym_key: str | None = None  # unset: `slrt dev` makes a development key under var_dir
    auth_issuer: str | None = None
    auth_audience: str = "slrt"
    intake_database_url: str | None = None
    routing_database_url: str | None = None
    notification_database_url: str | None = None
    reporting_database_url: str | None = None
    smtp_host: str | None = None
    test_postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"  # scratch databases: tests, benches
    sms_gateway_url: str | None = None
    trace_file: Path | None = None  # unset: `slrt dev` keeps every service's spans in var_dir/traces.jsonl

    @property
    def spans_file(self) -> Path:
        return (self.trace_file or self.var_dir / "traces.jsonl").resolve()

    def service_port(self, name: str) -> int:
        return int(getattr(self, f"{name}_port"))

    def database_url(self, name: str) -> str:
        configured = getattr(self, f"{name}_database_url")
        return configured or f"sqlite+aiosqlite:///{(self.var_dir / f'{name}.db').resolve()}"
