"""CloudEvents 1.0 in Kafka binary mode: ``ce_*`` headers, JSON value, W3C ``traceparent``.

This is the one piece of code that applies and reads the envelope. Headers never carry personal data:
they hold ids, types, times and trace context only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slrt_contracts.base import EventData

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"


class EnvelopeError(ValueError):
    """A message that is not a CloudEvent this system can read (permanent: it goes to the dead letters)."""


@dataclass(frozen=True)
class KafkaRecord:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class CloudEvent:
    id: str
    source: str
    type: str
    time: datetime
    data: dict[str, Any]
    key: str | None = None
    traceparent: str | None = None
    authorization: str | None = field(default=None, repr=False)  # the sender's "Bearer <token>", commands only
    #: a dead letter replayed by an operator: ``x-replayed-*`` and ``x-original-sender-*`` headers, else empty
    replay: Mapping[str, str] = field(default_factory=dict, repr=False)


#: ``ce_dataschema``: the name of the message's published JSON Schema (``schemas``).
DATASCHEMA_PREFIX = "urn:slrt:schema:"


def new_event_id() -> str:
    return str(uuid.uuid4())


def to_kafka(
    data: EventData,
    *,
    topic: str,
    source: str,
    key: str,
    event_id: str | None = None,
    time: datetime | None = None,
    trace_headers: Mapping[str, str] | None = None,
) -> KafkaRecord:
    """Wrap ``data`` in the envelope. ``key`` must be an opaque id (a ``case_id``), never personal data."""
    headers = [
        ("ce_specversion", SPECVERSION),
        ("ce_id", event_id or new_event_id()),
        ("ce_source", source),
        ("ce_type", data.ce_type),
        ("ce_time", (time or datetime.now(UTC)).isoformat()),
        ("ce_dataschema", DATASCHEMA_PREFIX + data.ce_type),
        ("content-type", CONTENT_TYPE),
    ]
    for name in ("traceparent", "tracestate"):
        if trace_headers and trace_headers.get(name):
            headers.append((name, trace_headers[name]))
    return KafkaRecord(
        topic=topic,
        key=key.encode(),
        value=data.model_dump_json().encode(),
        headers=[(k, v.encode()) for k, v in headers],
    )


def _decode_headers(headers: Iterable[tuple[str, bytes | str]] | Mapping[str, Any]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for k, v in items:
        out[k] = v.decode("utf-8", "replace") if isinstance(v, bytes | bytearray) else str(v)
    return out


def from_kafka(
    headers: Iterable[tuple[str, bytes | str]] | Mapping[str, Any],
    value: bytes | None,
    key: bytes | str | None = None,
) -> CloudEvent:
    """Read the envelope; raise ``EnvelopeError`` (without echoing the value) when it is not one."""
    h = _decode_headers(headers)
    missing = [n for n in ("ce_id", "ce_source", "ce_type") if not h.get(n)]
    if missing:
        raise EnvelopeError(f"missing CloudEvents headers: {', '.join(missing)}")
    if h.get("ce_specversion", SPECVERSION) != SPECVERSION:
        raise EnvelopeError("unsupported ce_specversion")
    if value is None:
        raise EnvelopeError("empty value (tombstones carry no event)")
    try:
        data = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"value is not JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise EnvelopeError("value is not a JSON object")
    try:
        time = datetime.fromisoformat(h["ce_time"]) if h.get("ce_time") else datetime.now(UTC)
    except ValueError:
        raise EnvelopeError("ce_time is not an RFC 3339 time") from None
    if time.tzinfo is None:
        time = time.replace(tzinfo=UTC)
    k = key.decode("utf-8", "replace") if isinstance(key, bytes | bytearray) else key
    return CloudEvent(
        id=h["ce_id"],
        source=h["ce_source"],
        type=h["ce_type"],
        time=time,
        data=data,
        key=k,
        traceparent=h.get("traceparent"),
        authorization=h.get("authorization"),
        replay={k: v for k, v in h.items() if k.startswith(("x-replayed-", "x-original-sender-"))},
    )
