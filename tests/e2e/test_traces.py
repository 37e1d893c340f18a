"""Operators follow one case across the four services: one trace from the HTTP request through the outbox
relays, every consumer, the SLA timers and the deliveries, kept in a local file and printed by ``slrt trace``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.instrumentation.utils import suppress_http_instrumentation
from slrt_shared.spans import CASE_ID
from slrt_shared.trace_file import SpanLine, read_spans

from tests.e2e.conftest import System
from tests.e2e.test_case_journey import CASE, PERSONAL
from tests.support import eventually
from tests.support.tokens import admin

SERVICES = {"slrt-intake", "slrt-routing", "slrt-notification", "slrt-reporting"}


def _spans(system: System) -> list[SpanLine]:
    return list(read_spans(Path(system.env["SLRT_TRACE_FILE"])))


async def _escalated_twice(client: httpx.AsyncClient, system: System, case_id: str) -> dict[str, Any] | None:
    response = await client.get(f"{system.url('reporting')}/v1/cases/{case_id}")
    if response.status_code != 200:
        return None
    body = response.json()
    return body if body["level"] == "kabupaten" and len(body.get("referrals", [])) >= 2 else None


async def test_one_case_is_one_trace_across_the_four_services(drill: System) -> None:
    async with httpx.AsyncClient(timeout=15, headers=admin()) as client:
        # the caller's own trace, which it chose not to record: SLRT records its part in it all the same
        caller_trace = uuid.uuid4().hex
        with suppress_http_instrumentation():  # this test process's own tracing (if set up) leaves the header be
            created = await client.post(f"{drill.url('intake')}/v1/cases", json=CASE,
                                        headers={"traceparent": f"00-{caller_trace}-{uuid.uuid4().hex[:16]}-00"})
        assert created.status_code == 201, created.text
        case_id, number = created.json()["case_id"], created.json()["case_number"]
        traceparent = created.headers["traceparent"]  # the caller can find its request in the traces
        trace_id = traceparent.split("-")[1]
        assert trace_id == caller_trace and traceparent.endswith("-01")
        other = await client.get(f"{drill.url('reporting')}/v1/cases/{case_id}")  # found or not yet: a trace
        assert other.headers["traceparent"].split("-")[1] != trace_id
        # the timers escalate the case desa → kecamatan → kabupaten (a drill: four seconds a level)
        await eventually(lambda: _escalated_twice(client, drill, case_id), timeout=90)
        await eventually(lambda: _async(any(number in m["message"] for m in drill.sms.requests)), timeout=60)

    def about_case() -> list[SpanLine]:
        return [s for s in _spans(drill) if s.trace_id == trace_id]

    def complete(spans: list[SpanLine]) -> bool:  # each process exports on its own: wait for every parent too
        names = {(s.service, s.name) for s in spans}
        ids = {s.span_id for s in spans}
        return ({s.service for s in spans} >= SERVICES
                and [s.name for s in spans if s.parent_id not in ids] == ["POST /v1/cases"]  # the caller's parent
                # both escalations' timers: the second's span may still wait in routing's exporter (200 ms)
                and sum((s.service, s.name) == ("slrt-routing", "timer sla") for s in spans) >= 2
                and ("slrt-reporting", "process slrt.case.events") in names
                and ("slrt-notification", "notification deliver") in names)

    spans = await eventually(lambda: _async(complete(about_case()) and about_case()), timeout=60)
    everything = _spans(drill)
    # every span of the case's processing is in the request's trace: no consumer, batch or timer started another
    # (a request that reads the case is a trace of its own)
    assert {s.trace_id for s in everything if s.attributes.get(CASE_ID) == case_id and s.kind != "server"} \
        == {trace_id}
    by_id = {s.span_id: s for s in spans}
    relayed = [s for s in spans if s.name == "send slrt.case.events"]
    assert relayed and all(s.kind == "producer" and "slrt.wait.outbox_ms" in s.attributes for s in relayed)
    consumed = [s for s in spans if s.name == "process slrt.case.events"]
    assert {s.service for s in consumed} >= {"slrt-routing", "slrt-notification", "slrt-reporting"}
    for span in consumed:  # each consumer's span is a child of the producer span that sent the message
        assert by_id[span.parent_id].name == "send slrt.case.events", span
        assert span.attributes["messaging.system"] == "kafka" and "slrt.wait.consumer_ms" in span.attributes
        assert span.links, "linked to the batch it was handled in"
    assert any(s.attributes.get("db.system") == "sqlite" for s in everything), "database statements are spans"
    timers = [s for s in spans if s.name == "timer sla"]
    assert len(timers) >= 2 and all(s.attributes[CASE_ID] == case_id for s in timers)
    escalations = [s for s in spans if s.name == "send slrt.case.events" and by_id.get(s.parent_id or "") in timers]
    assert len(escalations) >= 2, "the escalations are published in the case's trace"
    # no personal data in any span of any service
    text = await asyncio.to_thread(Path(drill.env["SLRT_TRACE_FILE"]).read_bytes)
    assert not [p for p in PERSONAL if p in text]

    # the logs tell the same story: a line per transition, with the case and its trace, and the access log
    lines = await asyncio.to_thread(_log_lines, drill)
    about = [(line["service"], line["event"]) for line in lines
             if line.get("case_id") == case_id and line.get("trace_id") == trace_id]
    for expected in (("intake", "case_registered"), ("routing", "referral_dispatched"),
                     ("routing", "case_escalated"), ("notification", "notification_sent")):
        assert expected in about, expected
    assert about.count(("routing", "referral_dispatched")) == 2
    assert any(line["event"] == "http_request" and line.get("route") == "/v1/cases" and line.get("status") == 201
               and line.get("trace_id") == trace_id for line in lines)
    assert not [p for p in PERSONAL if p.decode() in json.dumps(lines)]

    printed = await asyncio.to_thread(_slrt_trace, number, drill.env["SLRT_TRACE_FILE"])
    assert printed.returncode == 0, printed.stderr
    out = printed.stdout
    assert f"case {case_id}" in out and "1 trace:" in out and trace_id in out
    for expected in ("slrt-intake: POST /v1/cases", "slrt-routing: process slrt.case.events", "timer sla",
                     "slrt-reporting: process slrt.case.events", "in outbox", "in topic", "in a batch of",
                     "database statement"):
        assert expected in out, expected
    missing = await asyncio.to_thread(_slrt_trace, "3201-2026-999999", drill.env["SLRT_TRACE_FILE"])
    assert missing.returncode == 1 and "no span about 3201-2026-999999" in missing.stderr


def _log_lines(system: System) -> list[dict[str, Any]]:
    lines = []
    for process in system.services.values():
        for line in process.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                lines.append(json.loads(line))
    return lines


def _slrt_trace(case: str, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "slrt.cli", "trace", case, "--file", path], capture_output=True,
                          text=True, timeout=60)


async def _async(value: Any) -> Any:
    await asyncio.sleep(0)
    return value
