"""Spans in a local file, one JSON object a line, for running without a collector (``slrt dev``, ``slrt trace``).

Every service's process appends to the same file: each export is one ``write`` of whole lines on a file opened
for appending, so lines of different processes do not mix. Past ``max_bytes`` the file becomes ``<name>.1``
(the one before is dropped), so a long development run keeps the latest spans, not all of them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

DEFAULT_MAX_BYTES = 200 * 1024 * 1024


def _hex(value: int, width: int) -> str:
    return format(value, f"0{width}x")


def as_line(span: ReadableSpan) -> dict[str, Any]:
    ctx = span.context
    assert ctx is not None
    return {
        "trace_id": _hex(ctx.trace_id, 32),
        "span_id": _hex(ctx.span_id, 16),
        "parent_id": _hex(span.parent.span_id, 16) if span.parent is not None else None,
        "name": span.name,
        "kind": span.kind.name.lower(),
        "service": (span.resource.attributes.get("service.name") if span.resource else None),
        "start": span.start_time,
        "end": span.end_time,
        "status": span.status.status_code.name.lower(),
        "error": span.status.description,
        "attributes": dict(span.attributes or {}),
        "links": [{"trace_id": _hex(link.context.trace_id, 32), "span_id": _hex(link.context.span_id, 16)}
                  for link in span.links],
        "events": [{"name": e.name, "time": e.timestamp, "attributes": dict(e.attributes or {})}
                   for e in span.events],
    }


class TraceFile(SpanExporter):
    def __init__(self, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = path
        self._max = max_bytes
        path.parent.mkdir(parents=True, exist_ok=True)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        text = "".join(json.dumps(as_line(s), default=str, separators=(",", ":")) + "\n" for s in spans)
        try:
            if self.path.exists() and self.path.stat().st_size > self._max:
                os.replace(self.path, self.path.with_name(self.path.name + ".1"))
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


@dataclass
class SpanLine:
    """A span read back from the file."""

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: str
    service: str | None
    start: int
    end: int
    status: str
    error: str | None
    attributes: dict[str, Any]
    links: list[dict[str, str]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ms(self) -> float:
        return (self.end - self.start) / 1e6


def read_spans(path: Path) -> Iterator[SpanLine]:
    """The spans of the file and of the one before it (``<name>.1``), oldest first; a torn line is skipped."""
    for each in (path.with_name(path.name + ".1"), path):
        if not each.exists():
            continue
        with each.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    yield SpanLine(**json.loads(line))
                except (ValueError, TypeError):
                    continue
