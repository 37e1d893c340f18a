"""Ports for the tests' own servers, without races.

A port picked by binding 0, closed, then bound again by a server may in between be taken by someone else, most
often as the local end of an outgoing connection (the kernel hands those out from the same ephemeral range).
So a server the tests run in-process listens on a socket bound to port 0 and kept (``listening_socket``); a
service process inherits such a socket (``SLRT_LISTEN_FD``). Only a program that must bind by itself (the
embedded broker) gets a number, taken below the ephemeral range where no outgoing connection lands, and its
start is retried on another number if the port was taken all the same (``tests.support.brokers``).
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

from aiosmtpd.controller import Controller
from slrt.chaos.processes import listening_socket

HOST = "127.0.0.1"
__all__ = ["listening_socket"]
_held: list[socket.socket] = []


def closed_address() -> str:
    """``host:port`` where nothing answers, for as long as the test session runs: the port is bound and never
    listened on, so a connection is refused at once and no other program can start listening there."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    _held.append(sock)
    return f"{HOST}:{sock.getsockname()[1]}"


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def unused_port(host: str = HOST) -> int:
    """A free port below the ephemeral range, for a program that binds by itself. Free now; the caller retries
    its start if another program took it meanwhile."""
    low = max(1024, _ephemeral_range()[0] - 12000)
    high = _ephemeral_range()[0] - 1
    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between {low} and {high}")


class SmtpServer(Controller):
    """aiosmtpd's threaded SMTP server, listening on a socket it bound to port 0 (``.port`` tells which)."""

    def __init__(self, handler: object, **kwargs: object) -> None:
        self._socket = listening_socket()
        super().__init__(handler, hostname=HOST, port=self._socket.getsockname()[1], **kwargs)  # type: ignore[arg-type]

    def _create_server(self):  # type: ignore[no-untyped-def]
        return self.loop.create_server(self._factory_invoker, sock=self._socket, ssl=self.ssl_context)
