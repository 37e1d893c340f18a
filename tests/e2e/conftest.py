"""The whole system as separate processes on the real broker, with a real SMTP server and SMS gateway."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from slrt.chaos.processes import ServiceProcess
from slrt_shared.embedded_broker import EmbeddedBroker

from tests.support.gateways import Mailbox, SmsGateway
from tests.support.ports import SmtpServer

SERVICES = ("intake", "routing", "notification", "reporting")


@dataclass
class System:
    broker: EmbeddedBroker
    services: dict[str, ServiceProcess]
    mailbox: Mailbox
    sms: SmsGateway
    env: dict[str, str]

    def url(self, service: str) -> str:
        return self.services[service].url


@pytest.fixture
def system(tmp_path: Path, broker_factory: Callable[[], EmbeddedBroker],
           service_processes: Callable[..., ServiceProcess]) -> Iterator[System]:
    yield from _system(tmp_path, broker_factory, service_processes, {})


@pytest.fixture
def drill(tmp_path: Path, broker_factory: Callable[[], EmbeddedBroker],
          service_processes: Callable[..., ServiceProcess]) -> Iterator[System]:
    """The system in an SLA drill (each level's deadline 4 seconds after the last), its spans in ``traces.jsonl``
    as ``slrt dev`` keeps them."""
    yield from _system(tmp_path, broker_factory, service_processes, {
        "SLRT_SLA_OVERRIDE_SECONDS": "4", "SLRT_TRACE_FILE": str(tmp_path / "traces.jsonl"),
        "OTEL_BSP_SCHEDULE_DELAY": "200"})


def _system(tmp_path: Path, broker_factory: Callable[[], EmbeddedBroker],
            service_processes: Callable[..., ServiceProcess], extra: dict[str, str]) -> Iterator[System]:
    broker = broker_factory()
    mailbox = Mailbox()
    smtp = SmtpServer(mailbox)
    smtp.start()
    sms = SmsGateway().start()
    env = {
        "SLRT_KAFKA_BOOTSTRAP": broker.bootstrap,
        "SLRT_SMTP_HOST": "127.0.0.1", "SLRT_SMTP_PORT": str(smtp.port), "SLRT_SMTP_FROM": "slrt@example.id",
        "SLRT_SMS_GATEWAY_URL": sms.url, "SLRT_SMS_GATEWAY_TOKEN": "e2e-token",
        "SLRT_SLA_OVERRIDE_SECONDS": "600", "SLRT_OUTBOX_POLL_SECONDS": "0.1", "SLRT_METRICS_INTERVAL_SECONDS": "1",
        "SLRT_STATUS_TRUSTED_PROXIES": "1",  # as slrt dev: citizens' look-ups come through the console
    }
    for name in SERVICES:
        env[f"SLRT_{name.upper()}_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}"
    env.update(extra)
    services = {name: service_processes(name, env) for name in SERVICES}
    try:
        for service in services.values():
            service.wait_ready()
        yield System(broker, services, mailbox, sms, env)
    finally:
        smtp.stop()
