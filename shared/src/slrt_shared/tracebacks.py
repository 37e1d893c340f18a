"""Tracebacks for the logs: what failed and where, never with which data.

Python's own rendering repeats what some exceptions carry: PostgreSQL's ``DETAIL: Failing row contains (...)``
and ``Key (...)=(...)``, asyncpg's ``invalid input for query argument $1: '...'``, pydantic's ``input_value=``.
Here a database error says its type, its SQLSTATE and the schema names involved (table, column, constraint),
its message with every quoted value left out, and the statement (whose parameters are bound, never shown:
engines run with ``hide_parameters``); a validation error says which fields failed and how. Every other
exception is rendered as Python does; the logging pipeline masks NIK-, phone- and e-mail-like text after.
"""

from __future__ import annotations

import re
import traceback
from typing import Any

from pydantic import ValidationError

_INPUT = re.compile(r"input_value=.*, input_type=")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\([^()]*\)=\([^()]*\)")
_DRIVERS = ("asyncpg", "psycopg", "sqlite3", "aiosqlite", "sqlalchemy.dialects")
_SCHEMA_NAMES = ("table_name", "column_name", "constraint_name")
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _name(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _driver_error(exc: BaseException) -> str:
    lines = str(exc.args[0]).splitlines() if exc.args else []
    first = lines[0] if lines else ""
    facts = [f"sqlstate {exc.sqlstate}"] if getattr(exc, "sqlstate", None) else []
    for name in _SCHEMA_NAMES:  # SQLAlchemy's adapted error lacks them; the driver's (its cause) has them
        value = getattr(exc, name, None) or getattr(exc.__cause__, name, None)
        if value:
            facts.append(f"{name.removesuffix('_name')} {value}")
    said = _QUOTED.sub("…", first)
    return f"{said} ({', '.join(facts)})" if facts else said


def said(exc: BaseException) -> str:
    """The exception's message, without the values it was given."""
    from sqlalchemy.exc import StatementError

    if isinstance(exc, StatementError):
        orig = exc.orig
        what = f"({_name(orig)}) {_driver_error(orig)}" if orig is not None else _driver_error(exc)
        return f"{what}\n[SQL: {exc.statement}]" if exc.statement else what
    if type(exc).__module__.startswith(_DRIVERS):
        return _driver_error(exc)
    if isinstance(exc, ValidationError):
        fields = "; ".join(".".join(str(p) for p in e["loc"]) + ": " + e["type"] for e in exc.errors()[:10])
        return f"{exc.error_count()} validation error(s) for {exc.title}: {fields}"
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not lose the log line
        return "<exception str() failed>"


def _one(exc: BaseException) -> str:
    text = "Traceback (most recent call last):\n" if exc.__traceback__ else ""
    message = said(exc)
    text += "".join(traceback.format_tb(exc.__traceback__)) + (f"{_name(exc)}: {message}" if message else _name(exc))
    text += "\n"
    if isinstance(exc, BaseExceptionGroup):
        for n, inner in enumerate(exc.exceptions, 1):
            text += f"  +-- {n} --\n" + "".join(f"  | {line}\n" for line in safe_traceback(inner).splitlines())
    return text


def safe_traceback(exc: BaseException) -> str:
    """The chain of ``exc`` (causes and contexts, oldest first), as Python renders it but for the messages."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    return "".join(_one(failure) + link for failure, link in reversed(chain))  # link: how it led to the next


def scrub(text: str) -> str:
    """The same for an exception already rendered as text (what OpenTelemetry records on a span): no
    ``DETAIL``/``HINT`` lines, no pydantic ``input_value``, no quoted values on the exception lines (source
    lines, indented, stay as they are)."""
    kept = []
    for line in text.splitlines():
        if line.startswith(("DETAIL:", "HINT:")):
            continue
        line = _INPUT.sub("input_value=…, input_type=", line)
        kept.append(line if line.startswith(" ") else _QUOTED.sub("…", line))
    return "\n".join(kept)


def render_exc_info(exc_info: Any) -> str:
    """structlog's ``exception_formatter``: ``(type, value, traceback)`` -> text."""
    value = exc_info[1] if isinstance(exc_info, tuple) else exc_info
    return safe_traceback(value).rstrip("\n") if isinstance(value, BaseException) else ""
