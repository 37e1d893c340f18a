"""The spans of a case's messages, after the OpenTelemetry messaging conventions, so one case is one trace.

- The outbox relay sends each row in a ``send <topic>`` producer span, a child of the span that wrote the row
  (its stored ``traceparent``); the record carries the producer span's context, and ``slrt.wait.outbox_ms``
  says how long the row waited to be sent.
- A consumer handles each message in a ``process <topic>`` span, a child of the producer span that sent it;
  ``slrt.wait.consumer_ms`` says how long the message waited in the topic. The event the handler gets carries
  that span's ``traceparent``, so what it writes (outbox rows, timers, notifications) goes on in the case's
  trace. A batch is also one ``process <topic>`` span of its own (the database work of the batch happens in
  it), to which each message's span links.
- Every span about one case carries ``slrt.case_id`` (an opaque id; never personal data).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from slrt_contracts.envelope import CloudEvent
from slrt_contracts.registry import key_is_case_id

CASE_ID = "slrt.case_id"
CASE_NUMBER = "slrt.case_number"
OUTBOX_WAIT = "slrt.wait.outbox_ms"
CONSUMER_WAIT = "slrt.wait.consumer_ms"

_tracer = trace.get_tracer("slrt")


def about_case(case_id: str | None, *, case_number: str | None = None, span: Span | None = None) -> None:
    """Mark ``span`` (the current one by default) as about this case."""
    span = span or trace.get_current_span()
    if case_id:
        span.set_attribute(CASE_ID, str(case_id))
    if case_number:
        span.set_attribute(CASE_NUMBER, case_number)


def case_of(event: CloudEvent) -> str | None:
    case_id = event.data.get("case_id")
    if isinstance(case_id, str):
        return case_id
    return event.key if key_is_case_id(event.type) else None


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id a ``traceparent`` names, for a log line about that trace."""
    parts = (traceparent or "").split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else None


def traceparent_of(span: Span) -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get("traceparent")


def _consumed(record: Any, event: CloudEvent, *, consumer: str, group: str | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": record.topic,
        "messaging.destination.partition.id": str(record.partition),
        "messaging.kafka.offset": record.offset,
        "messaging.message.id": event.id,
        "cloudevents.event_type": event.type,
        "slrt.consumer": consumer,
    }
    if group:
        attributes["messaging.consumer.group.name"] = group
    case_id = case_of(event)
    if case_id:
        attributes[CASE_ID] = case_id
    sent_ms = getattr(record, "timestamp", None)
    if isinstance(sent_ms, int) and sent_ms > 0:
        attributes[CONSUMER_WAIT] = max(0, int(time.time() * 1000) - sent_ms)
    return attributes


@contextmanager
def batch(topic: str, size: int, *, consumer: str, group: str | None) -> Iterator[Span]:
    """The span of a batch, current while it is handled."""
    attributes: dict[str, Any] = {"messaging.system": "kafka", "messaging.operation.type": "process",
                                  "messaging.operation.name": "process", "messaging.destination.name": topic,
                                  "messaging.batch.message_count": size, "slrt.consumer": consumer}
    if group:
        attributes["messaging.consumer.group.name"] = group
    with _tracer.start_as_current_span(f"process {topic}", kind=SpanKind.CONSUMER, attributes=attributes) as span:
        yield span


@contextmanager
def processing(items: Sequence[tuple[Any, CloudEvent]], *, consumer: str, group: str | None,
               current: bool = False) -> Iterator[list[CloudEvent]]:
    """One ``process`` span per ``(record, event)``, a child of the span that sent it and linked to the current
    (batch) span; yields the events carrying their span's ``traceparent``. With ``current`` (one message) the
    span is the current one while the block runs. A block that raises marks every span failed."""
    batch_span = trace.get_current_span()
    links = [Link(batch_span.get_span_context())] if batch_span.get_span_context().is_valid else []
    spans: list[Span] = []
    events: list[CloudEvent] = []
    for record, event in items:
        parent = propagate.extract({"traceparent": event.traceparent}) if event.traceparent else None
        span = _tracer.start_span(f"process {record.topic}", context=parent, kind=SpanKind.CONSUMER, links=links,
                                  attributes=_consumed(record, event, consumer=consumer, group=group))
        spans.append(span)
        events.append(replace(event, traceparent=traceparent_of(span) or event.traceparent))
    try:
        if current and len(spans) == 1:
            with trace.use_span(spans[0], end_on_exit=False, record_exception=False):
                yield events
        else:
            yield events
    except BaseException as exc:
        for span in spans:
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        raise
    finally:
        for span in spans:
            span.end()


def sending(topic: str, key: str | None, headers: Mapping[str, str], *, created_at: datetime | None) -> Span:
    """The producer span of one outbox row (ended by the caller once the broker answers): a child of the span
    that wrote the row."""
    ce_type = headers.get("ce_type")
    attributes: dict[str, Any] = {"messaging.system": "kafka", "messaging.operation.type": "send",
                                  "messaging.operation.name": "send", "messaging.destination.name": topic}
    if headers.get("ce_id"):
        attributes["messaging.message.id"] = headers["ce_id"]
    if ce_type:
        attributes["cloudevents.event_type"] = ce_type
    if key is not None and key_is_case_id(ce_type):
        attributes[CASE_ID] = key
    if created_at is not None:
        created = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        attributes[OUTBOX_WAIT] = max(0, int((datetime.now(UTC) - created).total_seconds() * 1000))
    parent = propagate.extract(dict(headers)) if headers.get("traceparent") else None
    return _tracer.start_span(f"send {topic}", context=parent, kind=SpanKind.PRODUCER, attributes=attributes)


def failed(span: Span, error: BaseException) -> None:
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))


def timer_fired(kind: str, case_id: str, traceparent: str | None, *, due_at: datetime) -> Span:
    """The span of a durable timer that fired (ended by the caller), in the trace that set it: what it publishes
    goes on in the case's trace, however long after."""
    due = due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)
    late = max(0, int((datetime.now(UTC) - due).total_seconds() * 1000))
    parent = propagate.extract({"traceparent": traceparent}) if traceparent else None
    return _tracer.start_span(f"timer {kind}", context=parent, kind=SpanKind.INTERNAL,
                              attributes={CASE_ID: case_id, "slrt.timer.kind": kind, "slrt.wait.timer_late_ms": late})
