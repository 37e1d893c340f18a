"""``slrt chaos [SCENARIO ...]``: the fault-injection suite. For each scenario a fresh system as in production
(``slrt broker`` or ``SLRT_KAFKA_BOOTSTRAP``, four ``slrt serve``, PostgreSQL databases from
``SLRT_TEST_POSTGRES_URL`` behind cuttable links, an SMS gateway and a mail server), a stream of agency commands
and HTTP registrations, one fault while it streams (``slrt.chaos.scenarios``), then one line counted from the
outside (``slrt.chaos.tally``): cases sent, in the read model, lost, duplicated; citizens without their SMS,
duplicate SMS; dead letters by reason and how many valid messages are among them. Exit code 1 when any count
that must be 0 is not."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from slrt.chaos.load import Load
from slrt.chaos.scenarios import SCENARIOS, Scenario
from slrt.chaos.system import System
from slrt.chaos.tally import Outcome, tally
from slrt.settings import CliSettings


async def run_scenario(scenario: Scenario, *, folder: Path, cases: int, rate: float, seconds: float,
                       settle_seconds: float = 180, settings: CliSettings | None = None) -> Outcome:
    async with System(folder, database=scenario.database, instances=scenario.instances,
                      settings=settings or CliSettings()) as system:
        loop = asyncio.get_running_loop()
        started = loop.time()
        load = Load(system, count=cases, rate=rate)
        streaming = asyncio.create_task(load.run())
        poison = await scenario.fault(system, seconds)
        await streaming
        outcome = await tally(system, load, scenario.name, settle_seconds=settle_seconds, started=started,
                              poison_sent=poison)
        if not outcome.clean:
            outcome.notes.append(f"service logs: {folder}")
        return outcome


def run_chaos(names: list[str], *, cases: int, rate: float, seconds: float, as_json: Path | None = None,
              keep: Path | None = None) -> int:
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"slrt chaos: unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}",
              file=sys.stderr)
        return 2
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="slrt-chaos-") as scratch:
        for name in names or list(SCENARIOS):
            folder = (keep or Path(scratch)) / name
            outcome = asyncio.run(run_scenario(SCENARIOS[name], folder=folder, cases=cases, rate=rate,
                                               seconds=seconds))
            outcomes.append(outcome)
            print(outcome.line(), flush=True)
    if as_json:
        as_json.write_text(json.dumps([o.as_json() for o in outcomes], indent=2))
    return 0 if all(o.clean for o in outcomes) else 1
