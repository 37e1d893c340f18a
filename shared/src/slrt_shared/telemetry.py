"""OpenTelemetry, set up once per process.

Exporters are chosen by the standard variables: ``OTEL_TRACES_EXPORTER`` (``otlp``, ``console``, ``none``, or
several separated by commas; ``otlp`` when it is unset and an OTLP endpoint is set, else ``none``) and
``OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`` (``http/protobuf``, the default, or ``grpc``); the SDK reads the rest of
the ``OTEL_*`` variables itself. ``SLRT_TRACE_FILE`` also keeps every span in a local file (``slrt dev`` does,
for ``slrt trace``). Every exporter gets spans through ``PrivateSpans``, which masks personal data.

Trace context crosses Kafka in the W3C ``traceparent`` header; the outbox stores it with each row, so one
case's journey is one trace across the four services (``spans`` makes the messaging spans).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import SpanKind, Status

from slrt_shared.logging import mask_text
from slrt_shared.trace_file import TraceFile
from slrt_shared.tracebacks import scrub

_provider: TracerProvider | None = None
EXPORTERS = ("otlp", "console", "none")


class TracingConfigError(ValueError):
    """An ``OTEL_*`` variable names an exporter or protocol that does not exist."""


def exporters_from(env: Mapping[str, str]) -> list[SpanExporter]:
    """The exporters the environment asks for (the OpenTelemetry variables and ``SLRT_TRACE_FILE``)."""
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    names = [n.strip() for n in env.get("OTEL_TRACES_EXPORTER", "otlp" if endpoint else "none").split(",")
             if n.strip()]
    unknown = [n for n in names if n not in EXPORTERS]
    if unknown:
        raise TracingConfigError(f"OTEL_TRACES_EXPORTER: unknown exporter {', '.join(unknown)} "
                                 f"(one or more of {', '.join(EXPORTERS)})")
    exporters: list[SpanExporter] = []
    if "otlp" in names:
        exporters.append(_otlp(env))
    if "console" in names:
        exporters.append(ConsoleSpanExporter())
    if env.get("SLRT_TRACE_FILE"):
        exporters.append(TraceFile(Path(env["SLRT_TRACE_FILE"])))
    return exporters


def _otlp(env: Mapping[str, str]) -> SpanExporter:
    protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") \
        or "http/protobuf"
    traces, base = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        endpoint = traces or base
        return GrpcExporter(endpoint=endpoint, insecure=endpoint.startswith("http://") if endpoint else None)
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

        return HttpExporter(endpoint=traces or (f"{base.rstrip('/')}/v1/traces" if base else None))
    raise TracingConfigError(f"OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r} is not supported (http/protobuf or grpc)")


def configure_tracing(service: str, *, exporter: SpanExporter | None = None,
                      env: Mapping[str, str] | None = None) -> TracerProvider:
    """Install the tracer provider (idempotent) with the exporters of ``env`` (the process environment), and
    instrument the HTTP client. ``exporter`` adds one (tests)."""
    global _provider
    if _provider is None:
        env = os.environ if env is None else env
        resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", f"slrt-{service}"),
                                    "service.namespace": "slrt"})
        # a caller's (or another service's) decision not to record is not taken over: what runs here is recorded
        # while there is an exporter, in the caller's trace
        sampler = None if env.get("OTEL_TRACES_SAMPLER") else ParentBased(
            root=WithinWork(), remote_parent_sampled=_WHILE_EXPORTING, remote_parent_not_sampled=_WHILE_EXPORTING,
            local_parent_sampled=_WHILE_EXPORTING)
        _provider = TracerProvider(resource=resource, sampler=sampler)
        trace.set_tracer_provider(_provider)
        for each in exporters_from(env):
            _provider.add_span_processor(PrivateSpans(BatchSpanProcessor(each)))
            _exporting.set()
        from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor().instrument(tracer_provider=_provider)
        AioHttpClientInstrumentor().instrument(tracer_provider=_provider)  # the SMS gateway's requests
    if exporter is not None:
        _provider.add_span_processor(PrivateSpans(BatchSpanProcessor(exporter)))
        _exporting.set()
    return _provider


#: Set once an exporter is installed: until then spans are not recorded (nothing would read them), but their
#: ids are still made and passed on, so log lines and the ``traceparent`` of answers and events name the trace.
_exporting = threading.Event()


class WhileExporting(Sampler):
    """Records a span whose parent was recorded, while spans go somewhere."""

    def should_sample(self, parent_context: Context | None, trace_id: int, name: str, kind: SpanKind | None = None,
                      attributes: Any = None, links: Any = None, trace_state: Any = None) -> SamplingResult:
        return SamplingResult(Decision.RECORD_AND_SAMPLE if _exporting.is_set() else Decision.DROP, attributes)

    def get_description(self) -> str:
        return "WhileExporting"


class WithinWork(WhileExporting):
    """Records every trace but those whose root is an outgoing call (a database statement, an HTTP request):
    with nothing around them, they are a background loop's poll (the outbox relay, the timers, the deliveries
    looking for work), thousands an hour that tell nothing. ``OTEL_TRACES_SAMPLER`` replaces this."""

    def should_sample(self, parent_context: Context | None, trace_id: int, name: str, kind: SpanKind | None = None,
                      attributes: Any = None, links: Any = None, trace_state: Any = None) -> SamplingResult:
        if kind is SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return super().should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "WithinWork"


_WHILE_EXPORTING = WhileExporting()


_EXCEPTION_TEXT = ("exception.message", "exception.stacktrace")


def _safe(text: str) -> str:
    return mask_text(scrub(text))


def _attributes(attributes: Mapping[str, Any] | None, *, exception: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (attributes or {}).items():
        if isinstance(value, str):
            out[key] = _safe(value) if exception and key in _EXCEPTION_TEXT else mask_text(value)
        elif isinstance(value, tuple | list):
            out[key] = tuple(mask_text(v) if isinstance(v, str) else v for v in value)
        else:
            out[key] = value
    return out


def without_personal_data(span: ReadableSpan) -> ReadableSpan:
    """The span with NIK, KK, phone numbers and e-mail addresses masked in its name, attributes, events and
    status, and its recorded exceptions scrubbed as logged tracebacks are (OpenTelemetry records ``str(exc)``
    and the full traceback: a PostgreSQL error's failing row, a validation input)."""
    events = [Event(e.name, _attributes(e.attributes, exception=e.name == "exception"), e.timestamp)
              for e in span.events]
    status = Status(span.status.status_code, _safe(span.status.description)) if span.status.description \
        else span.status
    return ReadableSpan(name=mask_text(span.name), context=span.context, parent=span.parent,
                        resource=span.resource, attributes=_attributes(span.attributes), events=events,
                        links=span.links, kind=span.kind, status=status, start_time=span.start_time,
                        end_time=span.end_time, instrumentation_scope=span.instrumentation_scope)


class PrivateSpans(SpanProcessor):
    """Hands ended spans to ``inner`` without personal data (``without_personal_data``)."""

    def __init__(self, inner: SpanProcessor) -> None:
        self._inner = inner

    def on_start(self, span: Any, parent_context: Context | None = None) -> None:
        self._inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self._inner.on_end(without_personal_data(span))

    def shutdown(self) -> None:
        self._inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._inner.force_flush(timeout_millis)


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
