"""``slrt trace <case_id | case_number>``: one case's trace as a tree, from the spans file ``slrt dev`` keeps.

Every span of every trace with a span about the case (``slrt.case_id``, or ``slrt.case_number`` for the
registration), but requests that only read it, oldest first, indented under its parent: the service, the span,
its start from the first span, its duration, the waits it measured (in the outbox, in the topic, a timer late)
and its error. A message handled in a batch shows the batch it was handled in. Database statements are summed
per span unless ``--statements``.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import TextIO

from slrt_shared.spans import CASE_ID, CASE_NUMBER, CONSUMER_WAIT, OUTBOX_WAIT
from slrt_shared.trace_file import SpanLine, read_spans

WAITS = ((OUTBOX_WAIT, "in outbox"), (CONSUMER_WAIT, "in topic"), ("slrt.wait.timer_late_ms", "timer late"))


def _is_statement(span: SpanLine) -> bool:
    return "db.system" in span.attributes or "db.system.name" in span.attributes


def _a_read(span: SpanLine) -> bool:
    """A request that only read the case (its own trace; ``slrt audit`` tells who read what)."""
    return span.kind == "server" and span.name.startswith(("GET ", "HEAD "))


def case_spans(spans: list[SpanLine], wanted: str) -> tuple[set[str], list[SpanLine]]:
    """The case ids ``wanted`` names (itself, or the case of that number), and the spans of their traces."""
    case_ids = {s.attributes[CASE_ID] for s in spans
                if s.attributes.get(CASE_NUMBER) == wanted and CASE_ID in s.attributes}
    case_ids |= {wanted} if any(s.attributes.get(CASE_ID) == wanted for s in spans) else set()
    traces = {s.trace_id for s in spans if s.attributes.get(CASE_ID) in case_ids and not _a_read(s)}
    return case_ids, [s for s in spans if s.trace_id in traces]


def render(spans: list[SpanLine], everything: list[SpanLine], *, statements: bool = False,
           out: TextIO = sys.stdout) -> None:
    by_id = {s.span_id: s for s in spans}
    batches = {s.span_id: s for s in everything}
    children: dict[str | None, list[SpanLine]] = defaultdict(list)
    for span in spans:
        children[span.parent_id if span.parent_id in by_id else None].append(span)
    for each in children.values():
        each.sort(key=lambda s: s.start)
    statements_under: dict[str, list[SpanLine]] = defaultdict(list)
    for span in everything:
        if _is_statement(span) and span.parent_id:
            statements_under[span.parent_id].append(span)
    start = min(s.start for s in spans)
    traces = sorted({s.trace_id for s in spans})
    out.write(f"{len(spans)} spans in {len(traces)} trace{'s' if len(traces) > 1 else ''}: {', '.join(traces)}\n")
    out.write(f"{'start':>9} {'ms':>8}  span\n")

    def line(span: SpanLine, depth: int) -> None:
        waits = [f"{label} {int(span.attributes[key])} ms" for key, label in WAITS if key in span.attributes]
        note = f"  [{'; '.join(waits)}]" if waits else ""
        error = f"  ERROR {span.error or ''}".rstrip() if span.status == "error" else ""
        out.write(f"{(span.start - start) / 1e6:9.1f} {span.ms:8.1f}  {'  ' * depth}{span.service or '?'}: "
                  f"{span.name}{note}{error}\n")
        for link in span.links:
            batch = batches.get(link["span_id"])
            if batch is not None and batch.span_id not in by_id:
                size = batch.attributes.get("messaging.batch.message_count", "?")
                sql = statements_under.get(batch.span_id, [])
                out.write(f"{'':9} {batch.ms:8.1f}  {'  ' * (depth + 1)}in a batch of {size}"
                          f"{f', {len(sql)} statements {sum(s.ms for s in sql):.1f} ms' if sql else ''}\n")

    def walk(span: SpanLine, depth: int) -> None:
        line(span, depth)
        kids = children.get(span.span_id, [])
        sql = [k for k in kids if _is_statement(k)]
        if sql and not statements:
            out.write(f"{(sql[0].start - start) / 1e6:9.1f} {sum(s.ms for s in sql):8.1f}  {'  ' * (depth + 1)}"
                      f"{len(sql)} database statement{'s' if len(sql) > 1 else ''}\n")
        for kid in kids:
            if statements or not _is_statement(kid):
                walk(kid, depth + 1)

    for root in children[None]:
        walk(root, 0)


def run_trace(wanted: str, path: Path, *, statements: bool = False, out: TextIO = sys.stdout) -> int:
    if not path.exists():
        print(f"slrt trace: no spans in {path} (`slrt dev` keeps them there; elsewhere set SLRT_TRACE_FILE)",
              file=sys.stderr)
        return 1
    everything = list(read_spans(path))
    case_ids, spans = case_spans(everything, wanted)
    if not spans:
        print(f"slrt trace: no span about {wanted} in {path}", file=sys.stderr)
        return 1
    out.write(f"case {', '.join(sorted(case_ids))}\n")
    render(spans, everything, statements=statements, out=out)
    return 0
