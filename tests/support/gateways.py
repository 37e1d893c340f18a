"""Real network peers for tests: an SMTP server (aiosmtpd) and an HTTP SMS gateway of the contract's protocol
that can be told to fail."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from threading import Thread
from typing import Any

from tests.support.ports import listening_socket


def serve_in_thread(handle: Any) -> int:
    """Serve ``handle`` (an asyncio stream handler) on its own event loop in a daemon thread, on a socket bound
    to a port the kernel chose; returns the port, already listening."""
    sock = listening_socket()

    def run() -> None:
        loop = asyncio.new_event_loop()
        server = loop.run_until_complete(asyncio.start_server(handle, sock=sock))
        loop.run_until_complete(server.serve_forever())

    Thread(target=run, daemon=True).start()
    return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def texts(self) -> list[str]:
        out = []
        for message in self.messages:
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    out.append(part.get_payload(decode=True).decode("utf-8", "replace"))
        return out


@dataclass
class SmsGateway:
    """Answers 503 to the first ``fail_first`` requests (or to all while ``down``), then 202; remembers what it
    accepted, and like a real gateway accepts a repeated idempotency key without delivering twice."""

    port: int = 0  # bound when started
    fail_first: int = 0
    down: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next((int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length")), 0)
        auth = next((line.split(b":", 1)[1].strip().decode() for line in lines
                     if line.lower().startswith(b"authorization")), "")
        body = json.loads(await reader.readexactly(length))
        self.requests.append(body)
        self.tokens.append(auth)
        if self.down or len(self.requests) <= self.fail_first:
            status = b"503 Service Unavailable"
        else:
            self.delivered.setdefault(body["idempotency_key"], body)
            status = b"202 Accepted"
        writer.write(b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\ncontent-length: 2\r\n"
                     b"connection: close\r\n\r\n{}")
        await writer.drain()
        writer.close()

    def start(self) -> SmsGateway:
        self.port = serve_in_thread(self._handle)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"
