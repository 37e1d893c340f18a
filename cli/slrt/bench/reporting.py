"""Reporting's projection throughput and /v1/stats latency (provided by the reporting service)."""

from __future__ import annotations

from slrt.bench.raw_broker import RawBroker
from slrt.bench.report import Report


async def run(report: Report, raw: RawBroker, *, quick: bool) -> None:
    from slrt_reporting import bench  # the reporting service measures itself

    await bench.run(report, raw, quick=quick)
