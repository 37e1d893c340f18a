"""A failing statement shows neither its parameters nor the row it failed on: not in the error's text (engines
hide parameters) and not in the log line with its traceback (tracebacks.py leaves PostgreSQL's DETAIL and the
drivers' quoted values out), on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from slrt.scratch import PostgresServer
from slrt_shared import db
from slrt_shared.logging import configure_logging, get_logger

# Not NIK-, phone- or e-mail-like: the masking of log lines would hide those anyway; this proves the value
# never got there.
MARKER = "Zulaikha Penanda Rahasia"

people = sa.Table("people", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("name", sa.String(100), nullable=False), sa.Column("street", sa.String(100)),
                  sa.Column("age", sa.Integer))


@contextmanager
def service_logging() -> Iterator[None]:
    """The services' real logging pipeline (JSON) for a while, writing to the test's captured stderr."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(service="test", fmt="json", level="INFO")
    try:
        yield
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


async def failure(database_url: str, statement: Any, values: dict[str, Any]) -> sa.exc.DBAPIError:
    engine = db.create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(people.metadata.create_all)
        async with engine.begin() as conn:
            await conn.execute(people.insert().values(id=1, name="someone"))
        with pytest.raises(sa.exc.DBAPIError) as failed:
            async with engine.begin() as conn:
                await conn.execute(statement, values)
        return failed.value
    finally:
        await engine.dispose()


@pytest.mark.parametrize("broken", ["not_null", "duplicate_key"])
async def test_a_failing_statement_names_what_failed_but_not_the_values(
    database_url: str, capsys: pytest.CaptureFixture[str], broken: str
) -> None:
    await _fails_without_values(database_url, capsys, broken)


async def test_a_value_of_the_wrong_type_is_not_logged(postgres: PostgresServer,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """PostgreSQL only: SQLite stores a text in an integer column."""
    name = await postgres.create()
    try:
        await _fails_without_values(postgres.url(name), capsys, "wrong_type")
    finally:
        await postgres.drop(name)


async def _fails_without_values(database_url: str, capsys: pytest.CaptureFixture[str], broken: str) -> None:
    values = {  # what each failure makes the database or the driver say, parameters apart
        "not_null": {"id": 2, "name": None, "street": MARKER},  # DETAIL: Failing row contains (2, null, <street>..
        "duplicate_key": {"id": 1, "name": MARKER, "street": MARKER},  # DETAIL: Key (id)=(1) already exists
        "wrong_type": {"id": 3, "name": "x", "street": "y", "age": MARKER},  # invalid input for ... $4: '<age>'
    }[broken]
    exc = await failure(database_url, people.insert(), values)
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(exc)
    if broken != "wrong_type":  # asyncpg's own message repeats the value it could not encode: see the log below
        assert MARKER not in str(exc)

    with service_logging():
        try:
            raise RuntimeError("storing failed") from exc
        except RuntimeError:
            get_logger("test").exception("store_failed")
    logged = capsys.readouterr().err
    assert '"event": "store_failed"' in logged and "INSERT INTO people" in logged  # the failure is there
    assert type(exc).__name__ in logged
    assert MARKER not in logged
