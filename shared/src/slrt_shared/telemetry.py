"""OpenTelemetry, set up once per process.

Spans go to OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (the SDK reads the standard ``OTEL_*``
variables itself). Trace context crosses Kafka in the W3C ``traceparent`` header; the outbox stores it
with each row, so one case's journey is one trace across the four services.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Status

from slrt_shared.logging import mask_text
from slrt_shared.tracebacks import scrub

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

            _provider.add_span_processor(BatchSpanProcessor(SafeExceptions(OTLPSpanExporter())))
    if exporter is not None:
        _provider.add_span_processor(BatchSpanProcessor(SafeExceptions(exporter)))
    return _provider


_EXCEPTION_TEXT = ("exception.message", "exception.stacktrace")


def _safe(text: str) -> str:
    return mask_text(scrub(text))


def _without_data(span: ReadableSpan) -> ReadableSpan:
    """The span with its exception events and error status scrubbed as logged tracebacks are."""
    failed = [e for e in span.events if e.name == "exception"]
    if not failed and not span.status.description:
        return span
    events = [Event(e.name, {k: (_safe(v) if k in _EXCEPTION_TEXT and isinstance(v, str) else v)
                             for k, v in (e.attributes or {}).items()}, e.timestamp)
              if e.name == "exception" else e for e in span.events]
    status = Status(span.status.status_code, _safe(span.status.description)) if span.status.description \
        else span.status
    return ReadableSpan(name=span.name, context=span.context, parent=span.parent, resource=span.resource,
                        attributes=span.attributes, events=events, links=span.links, kind=span.kind, status=status,
                        start_time=span.start_time, end_time=span.end_time,
                        instrumentation_scope=span.instrumentation_scope)


class SafeExceptions(SpanExporter):
    """Exports spans whose recorded exceptions say what failed and where, not with which data: OpenTelemetry
    records ``str(exc)`` and the full traceback (a PostgreSQL error's failing row, a validation input)."""

    def __init__(self, inner: SpanExporter) -> None:
        self._inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._inner.export([_without_data(s) for s in spans])

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


def kafka_middleware() -> KafkaTelemetryMiddleware:
    return KafkaTelemetryMiddleware(tracer_provider=trace.get_tracer_provider())


def current_trace_headers() -> dict[str, str]:
    """``traceparent``/``tracestate`` of the active span, to store with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def trace_headers_of(traceparent: str | None) -> dict[str, str]:
    """The trace a message or row came with (its ``traceparent``), so the work it starts goes on in it; the
    current span's when it came with none."""
    return {"traceparent": traceparent} if traceparent else current_trace_headers()


def context_from(headers: Mapping[str, str]) -> Context:
    return propagate.extract(dict(headers))
