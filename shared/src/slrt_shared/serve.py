"""Run one service's ASGI app with uvicorn, logging and tracing set up once for the process."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import uvicorn

from slrt_shared.logging import configure_logging
from slrt_shared.settings import ServiceSettings
from slrt_shared.telemetry import configure_tracing


def serve(settings: ServiceSettings, build_app: Callable[[Any], Any]) -> None:
    configure_logging(service=settings.service_name, fmt=settings.log_format, level=settings.log_level)
    configure_tracing(settings.service_name)
    app = build_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    if settings.listen_fd is None:
        server.run()
    else:  # a listening socket handed down by the parent (socket activation, tests): no port to race for
        server.run(sockets=[socket.socket(fileno=settings.listen_fd)])
