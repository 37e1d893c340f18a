"""``slrt demo``: a stream of realistic cases against a running system, so the dashboard fills up.

It also plays the programme owners: some referrals are accepted, resolved or rejected (reason code
``not_our_authority``: "bukan wewenang"), some are left unanswered so that escalation shows.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta

import httpx
from slrt_shared.access.devkey import DevKey
from slrt_shared.access.principal import NATIONAL, Principal, Role

from slrt.people import Population
from slrt.settings import CliSettings

ANSWERS = [("accepted", "under_verification"), ("resolved", "benefit_granted"), ("in_progress", "scheduled"),
           ("rejected", "not_our_authority"), (None, None), (None, None)]


async def _answer(client: httpx.AsyncClient, routing: str, case_id: str, pop: Population, people: People) -> None:
    await asyncio.sleep(1.5)
    try:
        case = (await client.get(f"{routing}/v1/cases/{case_id}", headers=people.operator)).json()
    except (httpx.HTTPError, ValueError):
        return
    for ref in case.get("referrals", []):
        status, code = pop.rng.choice(ANSWERS)
        if status is None:
            continue
        steps = ["accepted", "resolved"] if status == "resolved" else [status]
        for step in steps:  # as the owner the referral is addressed to, with the owner's own token
            await client.post(f"{routing}/v1/referrals/{ref['referral_id']}/status",
                              json={"status": step, "reason_code": code if step == status else None},
                              headers=people.owner(ref["owner_id"]))


class People:
    """The demo's officers: a national operator who registers, and each programme owner who answers its own
    referrals; tokens signed with the development key of ``./var/``, as ``slrt token issue`` makes them."""

    def __init__(self, settings: CliSettings) -> None:
        self._key = DevKey.load_or_create(settings.var_dir)
        self._audience = settings.auth_audience
        self.operator = self._bearer(Principal(sub="demo-operator", role=Role.OPERATOR, scope=NATIONAL))
        self._owners: dict[str, dict[str, str]] = {}

    def _bearer(self, principal: Principal) -> dict[str, str]:
        token = self._key.issue(principal, audience=self._audience, ttl=timedelta(hours=8))
        return {"Authorization": f"Bearer {token}"}

    def owner(self, owner_id: str) -> dict[str, str]:
        if owner_id not in self._owners:
            self._owners[owner_id] = self._bearer(Principal(sub=f"demo-{owner_id}", role=Role.OWNER, scope=NATIONAL,
                                                            owner=owner_id))
        return self._owners[owner_id]


async def _demo(settings: CliSettings, count: int, rate: float, answer: bool, seed: int | None) -> int:
    intake = f"http://127.0.0.1:{settings.intake_port}"
    routing = f"http://127.0.0.1:{settings.routing_port}"
    if settings.auth_issuer:
        print("slrt demo: SLRT_AUTH_ISSUER is set; the demo signs development tokens and runs only without it",
              file=sys.stderr)
        return 2
    pop = Population(seed)
    people = People(settings)
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
            response = await client.post(f"{intake}/v1/cases", json=pop.registration(), headers=people.operator)
            if response.status_code in (200, 201):
                made += 1
                if answer:
                    pending.append(asyncio.create_task(
                        _answer(client, routing, response.json()["case_id"], pop, people)))
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
