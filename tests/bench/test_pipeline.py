"""``slrt bench pipeline`` runs end to end on processes and gives every figure it promises. It asserts what
arrived and that each figure was measured, never how fast: the benchmark is a program a person reads."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import pytest
from slrt.bench.pipeline import Options, run
from slrt.bench.raw_broker import RawBroker
from slrt.bench.report import Report
from slrt.bench.waits import STEPS

pytestmark = [pytest.mark.broker, pytest.mark.slow, pytest.mark.e2e, pytest.mark.timeout(600)]


async def test_a_small_run_carries_every_registration_and_measures_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "pipeline.json"
    raw = RawBroker("unused", 1, 1.0, 1.0, 1.0)
    await run(Report(), raw, quick=False, cases=80, latency_cases=12, database="sqlite", json_path=out)
    figures = json.loads(out.read_text())
    assert figures["arrived"] == 80  # every registration, none twice, into the read model with its referrals
    assert set(figures["stage_seconds"]) == {"intake", "routing", "reporting", "notification"}
    assert figures["cases_per_s"] > 0 and figures["raw"]["passthrough_per_s"] > 0
    assert 0 < figures["sustained_per_s"] <= figures["cases_per_s"]
    assert figures["ratio"] == round(figures["cases_per_s"] / figures["raw"]["passthrough_per_s"], 4)
    assert figures["raw"]["messages"] == 80 and figures["raw"]["bytes"] > 300  # the same count, of the same size
    services = {"intake", "routing", "notification", "reporting"}
    assert set(figures["cpu_ms_per_case"]) == services and all(v > 0 for v in figures["cpu_ms_per_case"].values())
    assert all(figures["peak_memory_mb"][s] > 20 for s in services)
    assert 0 < figures["machine_percent"]["busy"] <= 100 and 0 <= figures["machine_percent"]["steal"] <= 100
    assert figures["latency_ms"]["n"] == 12
    assert 0 < figures["latency_ms"]["p50"] <= figures["latency_ms"]["p99"] <= figures["latency_ms"]["max"]
    # every step of every timed case, from the services' own rows; each begins where the one before it ended
    assert list(figures["waits_ms"]) == list(STEPS)
    assert all(w["n"] == 12 and 0 <= w["p50"] <= w["p90"] <= w["p99"] for w in figures["waits_ms"].values())
    assert figures["waits_ms"]["POST -> seen"]["p50"] >= figures["waits_ms"]["POST -> intake's outbox"]["p50"]


async def test_open_cases_loaded_first_leave_every_registration_to_arrive(tmp_path: Path) -> None:
    """``--open-cases``: open cases in every service's database before the warm-up; the benchmark's registrations
    are still taken, each once, beside them, and every message is sent (none of the loaded ones waits)."""
    out, kept = tmp_path / "pipeline.json", tmp_path / "system"
    raw = RawBroker("unused", 1, 1.0, 1.0, 1.0)
    await run(Report(), raw, quick=False, cases=40, latency_cases=6, database="sqlite", open_cases=2_000,
              json_path=out, keep=kept)
    figures = json.loads(out.read_text())
    assert figures["open_cases"] == 2_000 and figures["open_cases_load_s"] > 0
    assert figures["arrived"] == 40 and figures["latency_ms"]["n"] == 6
    assert set(figures["stage_seconds"]) == {"intake", "routing", "reporting", "notification"}
    for service in ("intake", "routing", "reporting"):  # loaded, then 40 to warm up, 40 timed, 6 for latency
        with contextlib.closing(sqlite3.connect(kept / f"{service}.db")) as conn:
            assert conn.execute("SELECT count(*) FROM cases").fetchone() == (2_000 + 40 + 40 + 6,), service


def test_options_default_to_the_documented_run() -> None:
    assert Options() == Options(cases=3000, latency_cases=300, database="sqlite")
