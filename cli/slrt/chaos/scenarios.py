"""The faults, one per scenario, each done to the system while the load streams in."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from slrt_contracts.topics import CASE_EVENTS, REFERRAL_UPDATES

from slrt.chaos.load import COMMAND_KEY
from slrt.chaos.poison import send_poison
from slrt.chaos.system import System
from slrt.dlt import plaintext, read_topic
from slrt.settings import SERVICES


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    fault: Callable[[System, float], Awaitable[int]]  # (system, seconds) -> poison messages sent
    database: str = "postgres"
    instances: int = 1


async def kill(system: System, seconds: float) -> int:
    """SIGKILL each service in turn mid-load, restarted at once (no shutdown code runs)."""
    for service in SERVICES:
        await asyncio.sleep(seconds / len(SERVICES))
        await system.restart(service, kill=True)
    return 0


async def dbcut(system: System, seconds: float) -> int:
    """Every service's PostgreSQL connection cut (connections closed, new ones refused) for ``seconds``."""
    await asyncio.sleep(2)
    links = [d.link for d in system.databases.values() if d.link is not None]
    for link in links:
        await link.cut()
    await asyncio.sleep(seconds)
    for link in links:
        await link.up()
    return 0


async def sqlite_lock(system: System, seconds: float) -> int:
    """Each service's SQLite file locked by another process's write transaction, one after the other."""
    for service in SERVICES:
        path = system.databases[service].url.removeprefix("sqlite+aiosqlite:///")
        await asyncio.to_thread(_hold_lock, path, seconds / len(SERVICES))
    return 0


def _hold_lock(path: str, seconds: float) -> None:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        time.sleep(seconds)
        conn.execute("ROLLBACK")
    finally:
        conn.close()


async def gateway(system: System, seconds: float) -> int:
    """The SMS gateway slower than notification's timeout (it delivers, answers too late), then failing."""
    state = system.gateways.state
    await asyncio.sleep(2)
    state.delay_seconds = 3.0  # notification waits 2 s
    await asyncio.sleep(seconds / 2)
    state.delay_seconds, state.failing = 0.0, True
    await asyncio.sleep(seconds / 2)
    state.failing = False
    return 0


async def poison(system: System, seconds: float) -> int:
    """Every kind of poison on every consumed topic, twice, while valid messages flow, keyed by the agency's key
    and by the ids of cases registered so far (whose later events must still arrive)."""
    sent = 0
    for _ in range(2):
        await asyncio.sleep(seconds / 2)
        events = await read_topic(plaintext(system.bootstrap), f"{system.prefix}{CASE_EVENTS}")
        keys = [r.key for r in events if r.key][-40:]
        sent += await send_poison(system.bootstrap, system.prefix, case_keys=keys, command_key=COMMAND_KEY)
    return sent


async def duplicates(system: System, seconds: float) -> int:
    """Case events and referral updates published again, a random half of them, in shuffled order."""
    await asyncio.sleep(seconds)
    rng = random.Random(13)
    producer = AIOKafkaProducer(bootstrap_servers=system.bootstrap, acks="all")
    await producer.start()
    try:
        for base in (CASE_EVENTS, REFERRAL_UPDATES):
            records = await read_topic(plaintext(system.bootstrap), f"{system.prefix}{base}")
            chosen = rng.sample(records, k=len(records) // 2)
            for record in chosen:  # rng.sample's order: reordered against the original
                await producer.send(record.topic, record.value, key=record.key, headers=list(record.headers or []))
        await producer.flush()
    finally:
        await producer.stop()
    return 0


async def instances(system: System, seconds: float) -> int:
    """Two instances of each service in one consumer group; one of each SIGKILLed mid-load and left dead for a
    while (the other takes over its partitions), then started again."""
    await asyncio.sleep(seconds / 3)
    for service in SERVICES:
        system.services[service][1].kill()
    await asyncio.sleep(seconds / 3)
    for service in SERVICES:
        process = system.services[service][1]
        process.start()
    for service in SERVICES:
        await asyncio.to_thread(system.services[service][1].wait_ready, 120)
    return 0


SCENARIOS = {s.name: s for s in (
    Scenario("kill", "SIGKILL of each service mid-load, restarted", kill),
    Scenario("dbcut", "every service's PostgreSQL cut mid-load", dbcut),
    Scenario("sqlite-lock", "each service's SQLite file locked by another writer", sqlite_lock, database="sqlite"),
    Scenario("gateway", "the SMS gateway slower than its timeout, then failing", gateway),
    Scenario("poison", "poison messages of every kind on every consumed topic", poison),
    Scenario("duplicates", "case events and referral updates duplicated and reordered", duplicates),
    Scenario("instances", "two instances of each service, one of each killed", instances, instances=2),
)}
