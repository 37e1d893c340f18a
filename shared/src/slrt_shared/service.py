"""What every service's composition root does the same way: the FastAPI app around a database and Kafka.

At start: apply the service's migrations, start Kafka (in the background), start its loops. At stop: the
reverse. Health and readiness, ``/metrics``, contract-shaped errors, request ids, tracing and the audit trail's route
(``GET /v1/audit``, given the service's ``audit`` table) on every app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Column, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from slrt_shared import db, metrics
from slrt_shared.access.limits import WriteLimits
from slrt_shared.access.tokens import TokenVerifier
from slrt_shared.access.verifier import verifier_from
from slrt_shared.audit_api import audit_router
from slrt_shared.docs_page import docs_router
from slrt_shared.hardening import Hardening
from slrt_shared.http import health_router, install_error_handlers, instrument
from slrt_shared.request_ids import RequestIds
from slrt_shared.runtime import KafkaRuntime


def operation_id(route: APIRoute) -> str:
    """A route's ``operationId``: its function's name (``get_case``, ``list_referrals``), stable across releases
    so generated clients keep their method names (``tests/contract/test_operation_ids.py``)."""
    return route.name


@dataclass(frozen=True)
class Loop:
    """A background loop of the service (the outbox relay, the SLA sweeper, deliveries)."""

    name: str
    run: Callable[[], Awaitable[None]]
    needs_producer: bool = True


def service_app(
    *,
    title: str,
    description: str,
    engine: AsyncEngine,
    kafka: KafkaRuntime,
    migrations: Path,
    routers: Sequence[APIRouter],
    state: dict[str, Any],
    loops: Sequence[Loop] = (),
    on_start: Callable[[], Awaitable[None]] | None = None,
    on_stop: Callable[[], Awaitable[None]] | None = None,
    verifier: TokenVerifier | None = None,
    audit: Table | None = None,
    audit_cases: tuple[Column[Any], Column[Any]] | None = None,
    readings: Sequence[metrics.Reading] = (),
) -> FastAPI:
    """``readings``: what the service reads for its ``/metrics`` gauges besides the consumer lag (its outbox
    backlog, its timers), every ``SLRT_METRICS_INTERVAL_SECONDS``."""
    service = kafka.settings.service_name
    metrics.describe(service)
    gauges = Loop("metrics", lambda: metrics.read_every(kafka.settings.metrics_interval_seconds,
                                                        [kafka.read_lag, *readings]), needs_producer=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await db.upgrade(engine, migrations, version_table=f"alembic_version_{service}")
        if on_start is not None:
            await on_start()
        await kafka.start()
        for loop in [*loops, gauges]:
            kafka.spawn(loop.run, name=loop.name, needs_producer=loop.needs_producer)
        yield
        await kafka.stop()
        if on_stop is not None:
            await on_stop()
        await engine.dispose()

    app = FastAPI(title=title, version="1.0.0", lifespan=lifespan, description=description, docs_url=None,
                  redoc_url=None, generate_unique_id_function=operation_id)
    app.state.verifier = verifier or verifier_from(kafka.settings)
    app.state.write_limits = WriteLimits(kafka.settings.write_rate_per_second, kafka.settings.write_burst)
    app.add_middleware(Hardening, max_body_bytes=kafka.settings.max_body_bytes)
    app.add_middleware(metrics.HttpMetrics)
    app.add_middleware(RequestIds)  # outermost: every answer carries the request id, a refused body's too
    for key, value in state.items():
        setattr(app.state, key, value)
    install_error_handlers(app)
    app.include_router(health_router({"database": lambda: db.ping(engine), "kafka": kafka.ping,
                                      "consumers": kafka.consuming}))
    app.include_router(metrics.metrics_router())
    app.include_router(docs_router(title))
    for router in routers:
        app.include_router(router)
    if audit is not None:
        audit_sessions = db.session_factory(engine)
        app.include_router(audit_router(service, audit, lambda _: audit_sessions, audit_cases))
    instrument(app)
    return app
