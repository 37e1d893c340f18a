"""The SMS gateway and the mail server of a chaos run: they accept what notification sends and keep every
request, so the tally can tell who got their SMS and whether anyone got one twice. The SMS gateway can be made
slower than notification's timeout, or failing, for the ``gateway`` scenario."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


@dataclass
class Sms:
    to: str
    message: str
    key: str
    at: datetime


@dataclass
class GatewayState:
    received: list[Sms] = field(default_factory=list)
    delay_seconds: float = 0.0  # answer only after this long (longer than the client's timeout: it gave up)
    failing: bool = False  # answer 503 without keeping the message
    refused: int = 0  # requests answered 503


def gateway_app(state: GatewayState) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/sms")
    async def sms(request: Request) -> JSONResponse:
        body: Any = await request.json()
        if state.failing:
            state.refused += 1
            return JSONResponse({"error": "unavailable"}, status_code=503)
        # with a delay the message is delivered but the answer comes after the client stopped waiting: its retry
        # carries the same key, which a gateway honours (the tally counts distinct keys)
        state.received.append(Sms(body["to"], body["message"], body["idempotency_key"], datetime.now(UTC)))
        if state.delay_seconds:
            await asyncio.sleep(state.delay_seconds)
        return JSONResponse({"status": "accepted"}, status_code=202)

    return app


class _Discard:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.count += 1
        return "250 OK"


class _EmbeddedServer(uvicorn.Server):
    """uvicorn inside a program that handles its own signals: uvicorn's ``serve`` would take SIGINT and SIGTERM
    while it runs and raise them again once it stops, so one SIGTERM to a benchmark arrived twice."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Gateways:
    """The SMS gateway (HTTP) and an SMTP server, on ports of their own, in this event loop."""

    def __init__(self) -> None:
        self.state = GatewayState()
        self._mail = _Discard()
        self._smtp: Controller | None = None
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.sms_port = self.smtp_port = 0

    @property
    def mails(self) -> int:
        return self._mail.count

    async def start(self) -> Gateways:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.sms_port = int(sock.getsockname()[1])
        self._server = _EmbeddedServer(uvicorn.Config(gateway_app(self.state), log_level="warning", access_log=False,
                                                     lifespan="off"))
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="chaos-sms-gateway")
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.smtp_port = int(probe.getsockname()[1])
        probe.close()
        self._smtp = Controller(self._mail, hostname="127.0.0.1", port=self.smtp_port)
        await asyncio.to_thread(self._smtp.start)
        while not self._server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.05)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
        if self._smtp is not None:
            await asyncio.to_thread(self._smtp.stop)
