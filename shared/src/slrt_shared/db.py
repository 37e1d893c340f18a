"""Databases: SQLAlchemy 2 async engines on SQLite (default) or PostgreSQL, and Alembic migrations.

Each service owns its database and applies its own migrations at start (``upgrade``).
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import BigInteger, Integer, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

#: A 64-bit primary key that autoincrements on SQLite too.
BigId = BigInteger().with_variant(Integer, "sqlite")


def utc(value: datetime | None) -> datetime | None:
    """Datetimes are stored in UTC; SQLite hands them back naive, PostgreSQL aware. Always aware here."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upsert(session: Any, table: Any) -> Any:
    """An INSERT that can say ``on_conflict_do_nothing`` / ``on_conflict_do_update`` in the session's dialect."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert(table) if session.bind.dialect.name == "postgresql" else sqlite.insert(table)


async def execute_many(session: AsyncSession, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Run ``statement`` once per row straight on the driver (``executemany``): compiled once for the session's
    dialect, without SQLAlchemy's per-row parameter processing. For hot paths with many rows of plain values
    (ints and strings, which need no conversion)."""
    if not rows:
        return
    connection = await session.connection()
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(rows[0]))
    order = compiled.positiontup or []
    await connection.exec_driver_sql(str(compiled), [tuple(row[name] for name in order) for row in rows])


def is_postgres(engine_or_session: Any) -> bool:
    bind = getattr(engine_or_session, "bind", None) or engine_or_session
    return bind.dialect.name == "postgresql"


def create_engine(url: str, *, reads_only: bool = False, **kwargs: Any) -> AsyncEngine:
    """An engine whose errors and logs never show statement parameters (``hide_parameters``): a failing INSERT
    would otherwise print the citizen's row. ``reads_only`` (a tool looking at a service's database from
    outside): on SQLite its statements never take the write lock, so the service's writers never wait for it."""
    kwargs["hide_parameters"] = True
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # SQLite: take the write lock at BEGIN, so read-then-write transactions serialise instead of failing
            dbapi_conn.isolation_level = None

        if not reads_only:
            @event.listens_for(engine.sync_engine, "begin")
            def _begin_immediate(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

            _traced(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    if not reads_only:
        _traced(engine)
    return engine


def _traced(engine: AsyncEngine) -> None:
    """A span per statement (its text has placeholders, never the parameters), in the trace of the work."""
    from opentelemetry import metrics, trace
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    usage = metrics.get_meter("slrt.db").create_up_down_counter("db.client.connections.usage")
    EngineTracer(trace.get_tracer("opentelemetry.instrumentation.sqlalchemy"), engine.sync_engine, usage)


class _QueuedWriters:
    """``async with session.begin()`` that first waits its turn in a first-come queue of the engine.

    On SQLite every transaction takes the database's write lock at BEGIN; writers of one process that wait in
    SQLite's busy handler are not served in order, so under load (a batch transaction, the outbox relay and
    many HTTP requests at once) one of them could wait out the busy timeout. Queued here, each waits only for
    those before it."""

    def __init__(self, lock: asyncio.Lock, inner: Any) -> None:
        self._lock, self._inner = lock, inner

    async def __aenter__(self) -> Any:
        await self._lock.acquire()
        try:
            return await self._inner.__aenter__()
        except BaseException:
            self._lock.release()
            raise

    async def __aexit__(self, *exc: Any) -> Any:
        try:
            return await self._inner.__aexit__(*exc)
        finally:
            self._lock.release()


_WRITERS: weakref.WeakKeyDictionary[Any, asyncio.Lock] = weakref.WeakKeyDictionary()


class SqliteSession(AsyncSession):
    writers: asyncio.Lock

    def begin(self) -> Any:  # type: ignore[override]
        return _QueuedWriters(self.writers, super().begin())


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    if engine.dialect.name != "sqlite":
        return async_sessionmaker(engine, expire_on_commit=False)
    writers = _WRITERS.setdefault(engine.sync_engine, asyncio.Lock())  # one queue per engine
    session_class = type("QueuedSqliteSession", (SqliteSession,), {"writers": writers})
    return async_sessionmaker(engine, expire_on_commit=False, class_=session_class)


async def upgrade(engine: AsyncEngine, script_location: Path, *, version_table: str) -> None:
    """Apply the service's Alembic migrations up to head."""

    def _run(connection: Any) -> None:
        if connection.dialect.name == "postgresql":
            # several instances of a service may start at once: one migrates, the others wait and find it done
            key = int.from_bytes(hashlib.sha256(version_table.encode()).digest()[:8], "big", signed=True)
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({key})")
        cfg = Config()
        cfg.set_main_option("script_location", str(script_location))
        cfg.attributes["connection"] = connection
        cfg.attributes["version_table"] = version_table
        command.upgrade(cfg, "head")

    async with engine.begin() as conn:
        await conn.run_sync(_run)


def run_migrations_online(target_metadata: Any) -> None:
    """The body of every service's ``migrations/env.py``: run on the connection ``upgrade`` passes in."""
    from alembic import context

    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=context.config.attributes.get("version_table", "alembic_version"),
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
