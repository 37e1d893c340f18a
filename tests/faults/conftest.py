"""The fault-injection suite (``slrt chaos``) as tests: each scenario on a fresh system of processes, smaller
than a ``slrt chaos`` run so the suite keeps to its budget, with the same counts, all of which must be 0."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from slrt.chaos import run_scenario
from slrt.chaos.scenarios import SCENARIOS
from slrt.chaos.tally import Outcome
from slrt.scratch import PostgresServer

CASES, RATE = 150, 10.0


@pytest.fixture
def chaos(tmp_path: Path, postgres: PostgresServer) -> Callable[..., Awaitable[Outcome]]:
    """Run one scenario; ``seconds`` is how long its fault lasts."""

    async def run(name: str, *, seconds: float = 10, cases: int = CASES) -> Outcome:
        outcome = await run_scenario(SCENARIOS[name], folder=tmp_path / name, cases=cases, rate=RATE,
                                     seconds=seconds, settle_seconds=150)
        print(outcome.line())
        return outcome

    return run


def assert_clean(outcome: Outcome, folder: Path) -> None:
    logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(folder.glob("*.log")))
    assert (outcome.lost, outcome.duplicated, outcome.without_sms, outcome.duplicate_sms,
            outcome.valid_dead_lettered) == (0, 0, 0, 0, 0), f"{outcome.line()}\n{logs}"
    assert outcome.in_read_model == outcome.sent
