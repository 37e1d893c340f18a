"""Spans go where the standard OpenTelemetry variables say: OTLP over HTTP or gRPC to a receiver, the console,
or nowhere; an exporter that does not exist is refused by name. Whatever the exporter, no personal data."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from slrt_shared.telemetry import PrivateSpans, TracingConfigError, exporters_from
from slrt_shared.trace_file import TraceFile, read_spans

from tests.support.otlp import GrpcReceiver, HttpReceiver


def _emit(exporter, **attributes) -> None:  # type: ignore[no-untyped-def]
    provider = TracerProvider(resource=Resource.create({"service.name": "slrt-test"}))
    provider.add_span_processor(PrivateSpans(SimpleSpanProcessor(exporter)))
    with provider.get_tracer("t").start_as_current_span("register 081234567890", attributes=attributes):
        pass
    provider.shutdown()


@pytest.mark.parametrize(("protocol", "receiver"), [("http/protobuf", HttpReceiver), ("grpc", GrpcReceiver)])
def test_otlp_over_http_and_grpc_reaches_a_receiver(protocol: str, receiver: type) -> None:
    with receiver() as collector:
        [exporter] = exporters_from({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
                                     "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint})
        _emit(exporter, **{"slrt.case_id": "c-1", "url.query": "nik=3201015508950001&email=siti@example.id"})
        deadline = time.monotonic() + 10
        while not collector.spans and time.monotonic() < deadline:
            time.sleep(0.05)
    [span] = collector.spans
    assert span["service"] == "slrt-test" and span["attributes"]["slrt.case_id"] == "c-1"
    assert span["name"] == "register [PHONE]"
    assert span["attributes"]["url.query"] == "nik=[NIK]&email=[EMAIL]"


def test_the_exporters_are_chosen_by_the_standard_variables(tmp_path: Path) -> None:
    assert exporters_from({}) == []  # no endpoint, no exporter named: nothing is sent anywhere
    assert [type(e).__name__ for e in exporters_from({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})] \
        == ["OTLPSpanExporter"]  # an endpoint alone means OTLP, as the specification's default
    assert exporters_from({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"}) == []
    [console] = exporters_from({"OTEL_TRACES_EXPORTER": "console"})
    assert isinstance(console, ConsoleSpanExporter)
    both = exporters_from({"OTEL_TRACES_EXPORTER": "console", "SLRT_TRACE_FILE": str(tmp_path / "t.jsonl")})
    assert [type(e) for e in both] == [ConsoleSpanExporter, TraceFile]
    with pytest.raises(TracingConfigError, match="unknown exporter jaeger"):
        exporters_from({"OTEL_TRACES_EXPORTER": "otlp,jaeger"})
    with pytest.raises(TracingConfigError, match="http/json"):
        exporters_from({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"})


def test_the_spans_file_keeps_spans_without_personal_data_and_rolls_over(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    exporter = TraceFile(path, max_bytes=2_000)
    for _ in range(12):
        _emit(exporter, **{"db.statement": "select * from citizens where nik = '3201015508950001'"})
    assert path.with_name("traces.jsonl.1").exists(), "past its size the file rolled over"
    spans = list(read_spans(path))
    assert spans and all(s.name == "register [PHONE]" and s.service == "slrt-test" for s in spans)
    assert all("3201015508950001" not in str(s.attributes) for s in spans)
    assert "[NIK]" in spans[0].attributes["db.statement"]


def test_exceptions_and_events_lose_their_data() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(PrivateSpans(SimpleSpanProcessor(exporter)))
    with provider.get_tracer("t").start_as_current_span("work") as span:
        span.add_event("looked up", {"phone": "+6281234567890", "tags": ("siti@example.id", "ok")})
    [finished] = exporter.get_finished_spans()
    assert dict(finished.events[0].attributes or {}) == {"phone": "[PHONE]", "tags": ("[EMAIL]", "ok")}
