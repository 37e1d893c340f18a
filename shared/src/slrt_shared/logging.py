"""structlog, set up once per process: JSON in production, console under ``slrt dev``.

Every record, from structlog or the standard library (uvicorn, aiokafka, FastStream), passes through
``mask_personal_data`` before it is written: NIK/KK-like numbers, Indonesian phone numbers and e-mail
addresses are masked wherever they appear, and fields named like personal data are dropped. Tracebacks leave
out the values exceptions carry (a database row, a query argument, a validation input: ``tracebacks``).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog
from opentelemetry import trace

from slrt_shared.tracebacks import render_exc_info

_PERSONAL_KEYS = frozenset({"nik", "kk", "name", "phone", "email", "to", "recipient_address", "street", "citizen"})
_SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)8\d{7,12}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SUSPECT = re.compile(r"\d{9}|@")  # what each of the three needs: nine digits in a row, or an @


#: Ids are never personal data, but a UUID's last group can look like a phone number ("-086164752a7c"), and a
#: request or trace id (32 hex digits, at least one a letter) can hold sixteen decimal digits in a row: they are
#: left as they are, whatever is around them is masked.
_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                   r"|(?<![0-9a-zA-Z])(?=[0-9]*[a-fA-F])[0-9a-fA-F]{32}(?![0-9a-zA-Z])")


def mask_text(text: str) -> str:
    if not _SUSPECT.search(text):
        return text
    if not _ID.search(text):
        return _mask_plain(text)
    pieces, last = [], 0
    for match in _ID.finditer(text):
        pieces += [_mask_plain(text[last:match.start()]), match.group()]
        last = match.end()
    return "".join([*pieces, _mask_plain(text[last:])])


def _mask_plain(text: str) -> str:
    text = _SIXTEEN_DIGITS.sub("[NIK]", text)
    text = _PHONE.sub("[PHONE]", text)
    return _EMAIL.sub("[EMAIL]", text)


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: ("[redacted]" if k in _PERSONAL_KEYS else _mask(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def mask_personal_data(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    event_dict.pop("color_message", None)
    return {k: ("[redacted]" if k in _PERSONAL_KEYS else _mask(v)) for k, v in event_dict.items()}


def add_trace_ids(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    if event_dict.get("trace_id"):  # the line names the trace it is about (a case's, in a batch)
        return event_dict
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event_dict["trace_id"] = format(ctx.trace_id, "032x")
        event_dict["span_id"] = format(ctx.span_id, "016x")
    return event_dict


def configure_logging(*, service: str, fmt: str = "json", level: str = "INFO") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_trace_ids,
        structlog.processors.ExceptionRenderer(render_exc_info),  # tracebacks without the data (tracebacks.py)
        mask_personal_data,
    ]
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback)
        if fmt == "console"
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[*shared[:1], structlog.stdlib.filter_by_level, *shared[1:],
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, _MessageMasker(), renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # whatever configured them before (uvicorn's
        own = logging.getLogger(name)                               # defaults): through the masking handler
        own.handlers.clear()
        own.propagate = True
        own.setLevel(logging.NOTSET)
    for noisy in ("aiokafka", "aiosqlite", "asyncio", "httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.contextvars.bind_contextvars(service=service)


class _MessageMasker:
    """Masks the rendered ``event`` text of stdlib records too (their arguments are already formatted)."""

    def __call__(self, logger: Any, name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        return mask_personal_data(logger, name, event_dict)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
