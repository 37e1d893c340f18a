"""Request ids: every HTTP request of every service has one, for the audit trail and the logs.

An incoming ``X-Request-ID`` is taken when it is well formed (1 to 64 of ``A-Za-z0-9._:-``, the pattern of
the system's identifiers, and nothing the log masking would take for a NIK, KK or phone number); otherwise
one is made. It is echoed on the response, bound to the request's log lines (``request_id``) and readable by
the code the request runs (``current_request_id()``). A command on Kafka has no HTTP request: its consumer binds the
command's ``ce_id`` instead (``bound_request_id``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog

from slrt_shared.logging import mask_text

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

_current: ContextVar[str | None] = ContextVar("slrt_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or command) being handled, if any."""
    return _current.get()


def well_formed(value: str | None) -> bool:
    """Of the identifiers' pattern, and nothing the log masking would take for a NIK or a phone number."""
    return value is not None and bool(_WELL_FORMED.fullmatch(value)) and mask_text(value) == value


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound_request_id(value: str | None) -> Iterator[str]:
    """Run the block as request ``value`` (a new id when it is missing or not well formed)."""
    request_id = value if well_formed(value) else new_request_id()
    assert request_id is not None
    token = _current.set(request_id)
    try:
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            yield request_id
    finally:
        _current.reset(token)


class RequestIds:
    """ASGI middleware: take or make the request id, bind it for the request, echo it on the response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(HEADER.lower().encode())
        with bound_request_id(incoming.decode("latin-1") if incoming is not None else None) as request_id:
            echoed = (HEADER.lower().encode(), request_id.encode())

            async def with_id(message: Any) -> None:
                if message["type"] == "http.response.start":
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != echoed[0]]
                    message = {**message, "headers": [*headers, echoed]}
                await send(message)

            await self.app(scope, receive, with_id)
