"""Scratch databases for benchmarks and tests: SQLite in a temporary folder, PostgreSQL on the server that
``SLRT_TEST_POSTGRES_URL`` names (default ``postgresql://postgres@127.0.0.1:5432/postgres``): a fresh database
each time, dropped afterwards."""

from __future__ import annotations

import socket
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from slrt.settings import CliSettings


@dataclass(frozen=True)
class PostgresServer:
    """A PostgreSQL server where scratch databases are made; ``admin_url`` names a database to connect to for
    ``CREATE DATABASE`` (any driver prefix is ignored)."""

    admin_url: str

    @classmethod
    def configured(cls) -> PostgresServer:
        return cls(CliSettings().test_postgres_url)

    @property
    def _admin(self) -> str:
        return make_url(self.admin_url).set(drivername="postgresql").render_as_string(hide_password=False)

    @property
    def address(self) -> str:
        url = make_url(self.admin_url)
        return f"{url.host or '127.0.0.1'}:{url.port or 5432}"

    def url(self, name: str) -> str:
        """The SQLAlchemy URL of database ``name`` on this server."""
        return make_url(self.admin_url).set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False)

    def answers(self) -> bool:
        url = make_url(self.admin_url)
        try:
            with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=0.5):
                return True
        except OSError:
            return False

    async def create(self) -> str:
        import asyncpg

        name = f"slrt_scratch_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(self._admin)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return name

    async def drop(self, name: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self._admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    @asynccontextmanager
    async def database(self) -> AsyncIterator[str]:
        """A fresh database on this server, dropped afterwards; yields its URL."""
        name = await self.create()
        try:
            yield self.url(name)
        finally:
            await self.drop(name)


@asynccontextmanager
async def scratch_database(kind: str) -> AsyncIterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    async with PostgresServer.configured().database() as url:
        yield url


def kinds() -> list[str]:
    return ["sqlite", "postgres"] if PostgresServer.configured().answers() else ["sqlite"]
