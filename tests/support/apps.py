"""Run a service's ASGI app in-process with its lifespan (database, Kafka, background loops)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from tests.support.tokens import admin


@asynccontextmanager
async def running(app: Any, *, headers: dict[str, str] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan, and a client that asks as a national admin unless ``headers`` say otherwise."""
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                     headers=admin() if headers is None else headers) as client:
            yield client
