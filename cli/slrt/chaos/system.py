"""The system a chaos scenario runs against, as in production: ``slrt broker`` (or ``SLRT_KAFKA_BOOTSTRAP``)
and ``slrt serve`` for each service, each service on a PostgreSQL database of its own behind a link that can be
cut (or on SQLite files), an SMS gateway and a mail server that keep what they receive."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from slrt_shared import db
from slrt_shared.embedded_broker import port_is_free, wait_for_port
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from slrt.chaos.gateway import Gateways
from slrt.chaos.link import Link
from slrt.chaos.processes import ServiceProcess, listening_socket
from slrt.scratch import PostgresServer
from slrt.settings import SERVICES, CliSettings


def _broker_port() -> int:
    """A port below the ephemeral range, where no outgoing connection lands; the broker binds it itself."""
    for _ in range(50):
        port = random.randint(20_000, 30_000)
        if port_is_free(port):
            return port
    raise RuntimeError("no free port for the broker")


@dataclass
class Database:
    service: str
    url: str  # what the chaos tool itself connects to (never cut)
    served_url: str  # what the service connects to (through the link, on PostgreSQL)
    link: Link | None = None
    name: str | None = None


@dataclass
class System:
    folder: Path
    database: str = "postgres"  # or "sqlite"
    instances: int = 1
    settings: CliSettings = field(default_factory=CliSettings)
    bootstrap: str = ""
    prefix: str = field(default_factory=lambda: f"chaos{secrets.token_hex(4)}.")
    env: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)  # merged over the defaults below (a benchmark's)
    #: PostgreSQL behind links that can be cut (the faults); a benchmark connects directly, as a TCP proxy in
    #: this process would carry every statement of the four services on the machine's cores
    links: bool = True
    databases: dict[str, Database] = field(default_factory=dict)
    services: dict[str, list[ServiceProcess]] = field(default_factory=dict)
    gateways: Gateways = field(default_factory=Gateways)
    _broker: subprocess.Popen[bytes] | None = None
    _readers: dict[str, AsyncEngine] = field(default_factory=dict)
    _postgres: PostgresServer | None = None

    def url(self, service: str) -> str:
        return self.services[service][0].url

    async def __aenter__(self) -> System:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            await self._start()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def _start(self) -> None:
        self.bootstrap = self.settings.kafka_bootstrap or await asyncio.to_thread(self._start_broker)
        await self.gateways.start()
        for service in SERVICES:
            self.databases[service] = await self._database(service)
        self.env = {
            "SLRT_KAFKA_BOOTSTRAP": self.bootstrap, "SLRT_TOPIC_PREFIX": self.prefix,
            "SLRT_VAR_DIR": str(self.folder), "SLRT_PSEUDONYM_KEY": secrets.token_urlsafe(32),
            "SLRT_SMS_GATEWAY_URL": f"http://127.0.0.1:{self.gateways.sms_port}/sms",
            "SLRT_SMS_GATEWAY_TOKEN": "chaos", "SLRT_SMS_TIMEOUT_SECONDS": "2", "SLRT_SMS_PER_SECOND": "1000",
            "SLRT_SMS_BURST": "1000", "SLRT_RETRY_FIRST_SECONDS": "1", "SLRT_RETRY_MAX_SECONDS": "5",
            "SLRT_DELIVERY_ATTEMPTS": "50",
            "SLRT_SMTP_HOST": "127.0.0.1", "SLRT_SMTP_PORT": str(self.gateways.smtp_port),
            "SLRT_SMTP_FROM": "slrt@chaos.example.id", "SLRT_EMAIL_PER_SECOND": "1000", "SLRT_EMAIL_BURST": "1000",
            "SLRT_OUTBOX_POLL_SECONDS": "0.2", "SLRT_LOG_LEVEL": "WARNING", "SLRT_LOG_FORMAT": "json",
            "SLRT_CONSUMER_PAUSE_MAX_SECONDS": "5",
        } | self.extra_env
        for service, database in self.databases.items():
            self.env[f"SLRT_{service.upper()}_DATABASE_URL"] = database.served_url
        for service in SERVICES:
            self.services[service] = [ServiceProcess(service, self.env, listening_socket(), self.folder).start()
                                      for _ in range(self.instances)]
        for processes in self.services.values():
            for process in processes:
                await asyncio.to_thread(process.wait_ready, 120)

    def _start_broker(self) -> str:
        port = _broker_port()
        log = (self.folder / "broker.log").open("ab")
        self._broker = subprocess.Popen([sys.executable, "-m", "slrt.cli", "broker", "--port", str(port)],
                                        stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy())
        wait_for_port(port, timeout=30)
        return f"127.0.0.1:{port}"

    async def _database(self, service: str) -> Database:
        if self.database == "sqlite":
            url = f"sqlite+aiosqlite:///{self.folder / f'{service}.db'}"
            return Database(service, url, url)
        self._postgres = self._postgres or PostgresServer.configured()
        name = await self._postgres.create()
        url = self._postgres.url(name)
        if not self.links:
            return Database(service, url, url, None, name)
        listen = listening_socket()
        port = int(listen.getsockname()[1])
        listen.close()
        parsed = make_url(url)
        link = Link(port, parsed.port or 5432)
        await link.up()
        served = parsed.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        return Database(service, url, served, link, name)

    async def restart(self, service: str, index: int = 0, *, kill: bool = True) -> None:
        process = self.services[service][index]
        if kill:
            process.kill()
        else:
            process.stop()
        process.start()
        await asyncio.to_thread(process.wait_ready, 120)

    def _reader(self, service: str) -> AsyncEngine:
        """One engine per service for looking at its database, kept for the run: it never takes SQLite's write
        lock, and polling every few milliseconds costs no connection set-up."""
        if service not in self._readers:
            self._readers[service] = db.create_engine(self.databases[service].url, reads_only=True)
        return self._readers[service]

    async def scalar(self, service: str, statement: str) -> Any:
        async with self._reader(service).connect() as conn:
            return (await conn.execute(sa.text(statement))).scalar()

    async def rows(self, service: str, statement: str) -> list[Any]:
        async with self._reader(service).connect() as conn:
            return list((await conn.execute(sa.text(statement))).all())

    def logs(self) -> str:
        return "\n".join(p.log_text() for processes in self.services.values() for p in processes)

    async def __aexit__(self, *exc: object) -> None:
        for engine in self._readers.values():
            with contextlib.suppress(Exception):
                await engine.dispose()
        self._readers.clear()
        for processes in self.services.values():
            for process in processes:
                await asyncio.to_thread(process.close)
        for database in self.databases.values():
            if database.link is not None:
                await database.link.cut()
            if database.name and self._postgres is not None:
                with contextlib.suppress(Exception):
                    await self._postgres.drop(database.name)
        await self.gateways.stop()
        if self._broker is not None and self._broker.poll() is None:
            self._broker.terminate()
            try:
                await asyncio.to_thread(self._broker.wait, 10)
            except subprocess.TimeoutExpired:
                self._broker.kill()
