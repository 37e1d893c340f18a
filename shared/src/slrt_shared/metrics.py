"""Prometheus metrics of every service, served on ``GET /metrics`` in the text format.

Counters are counted where things happen (a message handled, dead-lettered or failed; a request answered; an
escalation or a notification committed). What is a state rather than an event (consumer lag per partition, the
outbox backlog and the age of its oldest row, due timers and overdue cases) is read every
``SLRT_METRICS_INTERVAL_SECONDS`` by a loop of the service (``Gauges``), not at scrape time, so a scrape never
waits for the database or the broker. Labels are topics, consumers, routes, channels and levels: never a case,
never personal data.
"""

from __future__ import annotations

import asyncio
import platform
import time
from collections.abc import Awaitable, Callable
from importlib import metadata
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, Info, generate_latest

from slrt_shared.logging import get_logger

log = get_logger(__name__)

BUILD = Info("slrt_build", "The running service: its name, version and Python")
CONSUMED = Counter("slrt_messages_consumed_total", "Messages handled by a consumer (dead-lettered ones too)",
                   ["topic", "consumer"])
FAILED = Counter("slrt_messages_failed_total", "Handler attempts that failed: a retry, a pause for a dependency "
                 "away, or a give-up", ["topic", "consumer", "kind"])
DEAD_LETTERED = Counter("slrt_messages_dead_lettered_total", "Messages sent to <topic>.dlt, by reason",
                        ["topic", "consumer", "reason"])
HANDLER_SECONDS = Histogram("slrt_handler_duration_seconds", "Time to handle a message or a batch of messages",
                            ["topic", "consumer"],
                            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
BATCH_SIZE = Histogram("slrt_batch_messages", "Messages per batch a batch consumer handled", ["topic", "consumer"],
                       buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500))
LAG = Gauge("slrt_consumer_lag", "Messages in a partition not yet committed by the consumer group",
            ["topic", "partition", "group"])
OUTBOX_PENDING = Gauge("slrt_outbox_pending", "Outbox rows not yet published")
OUTBOX_OLDEST = Gauge("slrt_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row (0 when none)")
OUTBOX_QUARANTINED = Gauge("slrt_outbox_quarantined", "Outbox rows set aside as never publishable (slrt outbox)")
PUBLISHED = Counter("slrt_outbox_published_total", "Outbox rows published to Kafka", ["topic"])
HTTP_REQUESTS = Counter("slrt_http_requests_total", "HTTP requests answered, by route template and status",
                        ["method", "route", "status"])
HTTP_SECONDS = Histogram("slrt_http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
TIMERS_DUE = Gauge("slrt_timers_due", "SLA and closing timers due and not yet fired")
OVERDUE = Gauge("slrt_cases_overdue", "Open cases past their last deadline, by level", ["level"])
ESCALATIONS = Counter("slrt_escalations_total", "Cases escalated, by the level they went to and why",
                      ["to_level", "reason"])
WEBHOOKS = Counter("slrt_webhook_deliveries_total", "notification: webhook delivery attempts, by outcome "
                   "(delivered, failed)", ["outcome"])
NOTIFICATIONS = Counter("slrt_notifications_total", "Notification outcomes, by channel: sent, retry, failed",
                        ["channel", "outcome"])


def describe(service: str) -> None:
    """The ``slrt_build_info`` of this process."""
    try:
        version = metadata.version(f"slrt-{service}")
    except metadata.PackageNotFoundError:
        version = "unknown"
    BUILD.info({"service": service, "version": version, "python": platform.python_version()})


def metrics_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/metrics", summary="Prometheus metrics (text format)", response_class=Response,
                responses={200: {"content": {"text/plain": {}}, "description": "the metrics"}})
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router


class HttpMetrics:
    """ASGI middleware: each answer counted by method, route template (``/v1/cases/{case_id}``, never the path
    with its values) and status, timed, and logged (``http_request``: the access log, by route template)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def counted(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counted)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            if route not in QUIET:
                method, seconds = scope.get("method", ""), time.perf_counter() - started
                HTTP_REQUESTS.labels(method, route, str(status)).inc()
                HTTP_SECONDS.labels(method, route).observe(seconds)
                log.info("http_request", method=method, route=route, status=status, ms=round(seconds * 1000, 1))


#: Routes polled by machines (probes, scrapers): neither counted nor logged.
QUIET = frozenset({"/metrics", "/healthz", "/readyz"})
Reading = Callable[[], Awaitable[None]]


async def read_every(interval: float, readings: list[Reading]) -> None:
    """Run each reading every ``interval`` seconds; one that fails (a dependency away) is tried next time."""
    while True:
        for reading in readings:
            try:
                await reading()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("metrics_reading_failed", reading=getattr(reading, "__name__", "?"),
                          error=type(exc).__name__)
        await asyncio.sleep(interval)
