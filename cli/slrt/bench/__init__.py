"""``slrt bench``: benchmarks that print figures, each beside the raw broker measured in the same run.

Never timed assertions in tests: these are programs a person runs and reads (``make bench``).
"""

from __future__ import annotations

import asyncio
import importlib
import signal
import sys
from typing import Any

from slrt.bench.report import Report

BENCHMARKS = {
    "broker": "slrt.bench.raw_broker",
    "relay": "slrt.bench.relay",
    "timers": "slrt.bench.timers",
    "reporting": "slrt.bench.reporting",
    "pipeline": "slrt.bench.pipeline",
}


def run_bench(only: list[str], *, quick: bool = False, pipeline: dict[str, Any] | None = None) -> int:
    unknown = [name for name in only if name not in BENCHMARKS]
    if unknown:
        print(f"slrt bench: unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}",
              file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(only or list(BENCHMARKS), quick, pipeline or {}))
    except asyncio.CancelledError:
        print("slrt bench: stopped", file=sys.stderr)
        return 128 + signal.SIGTERM


async def _run(names: list[str], quick: bool, pipeline: dict[str, Any]) -> int:
    from slrt.bench.raw_broker import baseline

    # SIGTERM (a kill, a timeout) ends a run as Ctrl-C does: the run is cancelled, so the brokers, services and
    # databases it started are stopped on the way out instead of running on without it
    main = asyncio.current_task()
    assert main is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: main.cancelling() or main.cancel())
    report = Report()
    async with baseline(quick=quick) as raw:
        report.add("raw broker", raw.figures())
        for name in names:
            if name == "broker":
                continue
            module: Any = importlib.import_module(BENCHMARKS[name])
            try:
                await module.run(report, raw, quick=quick, **(pipeline if name == "pipeline" else {}))
            except ModuleNotFoundError as exc:
                report.note(f"{name}: skipped ({exc.name} is not installed)")
    report.print()
    return 0
