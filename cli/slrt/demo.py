"""``slrt demo``: a stream of realistic cases against a running system, so the dashboard fills up.

It also plays the programme owners: some referrals are accepted, resolved or rejected ("bukan wewenang"),
some are left unanswered so that escalation shows.
"""

from __future__ import annotations

import asyncio
import sys
import time

import httpx

from slrt.people import Population
from slrt.settings import CliSettings

ANSWERS = [("accepted", None), ("resolved", None), ("in_progress", None), ("rejected", "bukan wewenang"),
           (None, None), (None, None)]


async def _answer(client: httpx.AsyncClient, routing: str, case_id: str, pop: Population) -> None:
    await asyncio.sleep(1.5)
    try:
        case = (await client.get(f"{routing}/v1/cases/{case_id}")).json()
    except (httpx.HTTPError, ValueError):
        return
    for ref in case.get("referrals", []):
        status, reason = pop.rng.choice(ANSWERS)
        if status is None:
            continue
        steps = ["accepted", "resolved"] if status == "resolved" else [status]
        for step in steps:
            await client.post(f"{routing}/v1/referrals/{ref['referral_id']}/status",
                              json={"status": step, "reason": reason})


async def _demo(settings: CliSettings, count: int, rate: float, answer: bool, seed: int | None) -> int:
    intake = f"http://127.0.0.1:{settings.intake_port}"
    routing = f"http://127.0.0.1:{settings.routing_port}"
    pop = Population(seed)
    made = refused = 0
    pending: list[asyncio.Task[None]] = []
    async with httpx.AsyncClient(timeout=10) as client:
        try:
            await client.get(f"{intake}/healthz")
        except httpx.HTTPError:
            print(f"slrt demo: intake does not answer on {intake}; start the system with `make run`", file=sys.stderr)
            return 1
        started = time.monotonic()
        for i in range(count):
            response = await client.post(f"{intake}/v1/cases", json=pop.registration())
            if response.status_code in (200, 201):
                made += 1
                if answer:
                    pending.append(asyncio.create_task(_answer(client, routing, response.json()["case_id"], pop)))
            else:
                refused += 1
            if (i + 1) % 50 == 0:
                print(f"  {i + 1}/{count} cases sent", flush=True)
            await asyncio.sleep(max(0.0, (i + 1) / rate - (time.monotonic() - started)))
        await asyncio.gather(*pending, return_exceptions=True)
    print(f"slrt demo: {made} cases registered, {refused} refused. Dashboard: "
          f"http://127.0.0.1:{settings.reporting_port}/")
    return 0 if made else 1


def run_demo(settings: CliSettings, *, count: int, rate: float, answer: bool, seed: int | None) -> int:
    return asyncio.run(_demo(settings, count, rate, answer, seed))
