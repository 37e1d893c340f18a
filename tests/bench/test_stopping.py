"""``slrt bench`` ended by SIGTERM (a kill, a timeout) stops what it started: no broker or service runs on
without it, holding ports, databases and a core."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import eventually

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.e2e, pytest.mark.timeout(300)]


def _running_in_group(group: int) -> list[str]:
    """The processes of a process group that still run (a zombie has ended: it waits only to be reaped, and
    this machine's init may never reap it)."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            text = stat.read_text()
            state, _parent, pgrp = text[text.rindex(")") + 2:].split()[:3]
            if int(pgrp) == group and state != "Z":
                running.append(text[:text.rindex(")") + 1])
    return running


async def test_a_terminated_run_leaves_no_broker_or_service_behind(tmp_path: Path) -> None:
    out = tmp_path / "bench.out"
    with out.open("wb") as log:  # its own process group: the run and every process it starts
        bench = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "slrt.cli", "bench", "pipeline", "--cases", "20", "--latency-cases", "2",
            "--open-cases", "500000", "--keep", str(tmp_path / "run"),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        async def loading() -> bool:  # the raw broker, the run's broker and the four services are up
            assert bench.returncode is None, out.read_text()
            return "loading 500,000 open cases" in out.read_text()

        await eventually(loading, timeout=240, interval=0.5)
        assert len(_running_in_group(bench.pid)) >= 7  # the run, two brokers (each a wrapper and tansu), services
        started = len(list((tmp_path / "run").glob("*.log")))
        assert started == 5, out.read_text()  # the broker's log and each service's

        bench.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bench.wait(), 120) == 128 + signal.SIGTERM, out.read_text()
        assert "slrt bench: stopped" in out.read_text()

        async def gone() -> bool:
            return not _running_in_group(bench.pid)

        await eventually(gone, timeout=30, interval=0.5)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(bench.pid, signal.SIGKILL)
