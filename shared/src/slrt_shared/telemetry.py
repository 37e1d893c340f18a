"""OpenTelemetry, set up once per process.

Spans go to OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (the SDK reads the standard ``OTEL_*``
variables itself). Trace context crosses Kafka in the W3C ``traceparent`` header; the outbox stores it
with each row, so one case's journey is one trace across the four services.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

_provider: TracerProvider | None = None


def configure_tracing(service: str, *, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install the tracer provider (idempotent). ``exporter`` is for tests; OTLP when the endpoint is set."""
    global _provider
    if _provider is None:
        resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", f"slrt-{service}")})
        _provider = TracerProvider(resource=resource)
        trace.set_tracer_provider(_provider)
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):  # noqa: SIM112 - standard OTel variable
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    if exporter is not None:
        _provider.add_span_processor(BatchSpanProcessor(exporter))
    return _provider


def kafka_middleware() -> KafkaTelemetryMiddleware:
    return KafkaTelemetryMiddleware(tracer_provider=trace.get_tracer_provider())


def current_trace_headers() -> dict[str, str]:
    """``traceparent``/``tracestate`` of the active span, to store with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from(headers: Mapping[str, str]) -> Context:
    return propagate.extract(dict(headers))
