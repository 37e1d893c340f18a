"""Reporting's projection throughput (on SQLite, and on PostgreSQL where it answers) and /v1/stats latency
(measured by the reporting service itself, on databases this side provides)."""

from __future__ import annotations

from slrt.bench.raw_broker import RawBroker
from slrt.bench.report import Report
from slrt.scratch import kinds, scratch_database


async def run(report: Report, raw: RawBroker, *, quick: bool) -> None:
    from slrt_reporting import bench  # the reporting service measures itself

    n = 2_000 if quick else 10_000
    for kind in kinds():
        async with scratch_database(kind) as url:
            rate = await bench.projection_rate(raw.bootstrap, n, url)
        report.add(f"reporting projection ({kind})", [
            ("events projected", f"{n:,}"),
            ("projection rate (inbox + event log + read models + counters)", f"{rate:,.0f} events/s"),
            ("projection / raw consume", f"{rate / raw.consume_per_s:.3f}x"),
        ])
    await bench.stats_report(report, raw, quick=quick)
