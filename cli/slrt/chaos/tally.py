"""What a chaos run delivered, counted from the outside: the replies on the broker, reporting's read model, the
SMS gateway and the dead-letter topics. Nothing is taken from the services' own word."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from slrt_contracts.topics import CONSUMED_BY, DEAD_LETTER_SUFFIX, INTAKE_REPLIES

from slrt.chaos.load import Load
from slrt.chaos.system import System
from slrt.dlt import plaintext, read_topic

REGISTERED_SMS = "terdaftar dengan nomor kasus"
POISON = "chaos-poison"  # in every poison value or as its ce_source: what the tally knows is not valid


@dataclass
class Outcome:
    scenario: str
    sent: int
    in_read_model: int
    lost: int
    duplicated: int
    without_sms: int
    duplicate_sms: int
    dead_letters: dict[str, int] = field(default_factory=dict)
    dead_by_topic: dict[str, int] = field(default_factory=dict)
    valid_dead_lettered: int = 0
    poison_sent: int = 0
    sms_refused: int = 0  # requests the SMS gateway answered 503
    sms_repeated: int = 0  # requests repeating a key the gateway had (a retry after a late answer)
    signs: dict[str, int] = field(default_factory=dict)  # the services' warnings and errors, by event
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.without_sms or self.duplicate_sms
                    or self.valid_dead_lettered)

    def line(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.dead_letters.items())) or "none"
        return (f"{self.scenario}: cases sent {self.sent}, in the read model {self.in_read_model}, lost {self.lost}, "
                f"duplicated {self.duplicated}; citizens without their SMS {self.without_sms}, duplicate SMS "
                f"{self.duplicate_sms}; dead letters: {reasons} (valid messages among them: "
                f"{self.valid_dead_lettered}); {self.seconds:.0f} s; seen in the logs: {self._signs()}")

    def _signs(self) -> str:
        top = sorted(self.signs.items(), key=lambda kv: -kv[1])[:4]
        return ", ".join(f"{k} {v}" for k, v in top) or "nothing"

    def as_json(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items()}, "clean": self.clean}


@dataclass
class Counts:
    cases: dict[str, set[str]]  # registration ref -> the case ids intake gave it
    read_model: set[str]
    sms_keys: dict[str, set[str]]  # phone -> distinct idempotency keys of the registration SMS
    dead: Counter[str]
    dead_by_topic: Counter[str]
    valid_dead: int


async def count(system: System, load: Load) -> Counts:
    cases: dict[str, set[str]] = defaultdict(set)
    for sent in load.sent:
        if sent.case_id:
            cases[sent.ref].add(sent.case_id)
    for record in await read_topic(plaintext(system.bootstrap), f"{system.prefix}{INTAKE_REPLIES}"):
        if dict(record.headers or []).get("ce_type") == b"id.slrt.command.accepted.v1":
            data = json.loads(record.value)
            cases[data["command_id"]].add(data["case_id"])
    read_model = {r[0] for r in await system.rows("reporting", "SELECT case_id FROM cases")}
    sms: dict[str, set[str]] = defaultdict(set)
    for message in system.gateways.state.received:
        if REGISTERED_SMS in message.message:
            sms[message.to[-11:]].add(message.key)
    dead: Counter[str] = Counter()
    by_topic: Counter[str] = Counter()
    valid_dead = 0
    for base in CONSUMED_BY:
        for record in await read_topic(plaintext(system.bootstrap), f"{system.prefix}{base}{DEAD_LETTER_SUFFIX}"):
            headers = {k: v.decode("utf-8", "replace") for k, v in record.headers or []}
            dead[headers.get("x-error-reason", "?")] += 1
            by_topic[base] += 1
            if POISON not in (record.value or b"").decode("utf-8", "replace")[:200_000] and \
                    headers.get("ce_source") != f"/{POISON}":
                valid_dead += 1
    return Counts(cases, read_model, sms, dead, by_topic, valid_dead)


_EVENT = re.compile(r'"event": *"([a-z_]+)"[^\n]*"level": *"(warning|error|critical)"')


def signs(logs: str) -> dict[str, int]:
    """How often each warning or error was logged: what the fault looked like from inside."""
    return dict(Counter(m.group(1) for m in _EVENT.finditer(logs)))


def settled(load: Load, counts: Counts) -> bool:
    every_case = {c for ids in counts.cases.values() for c in ids}
    return (all(counts.cases.get(s.ref) for s in load.sent) and every_case <= counts.read_model
            and all(counts.sms_keys.get(s.phone[-11:]) for s in load.sent))


async def tally(system: System, load: Load, scenario: str, *, settle_seconds: float, started: float,
                poison_sent: int = 0) -> Outcome:
    """Wait until everything sent has arrived everywhere (or ``settle_seconds`` passed), then count."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settle_seconds
    counts = await count(system, load)
    while not settled(load, counts) and loop.time() < deadline:
        await asyncio.sleep(2)
        counts = await count(system, load)
    received = system.gateways.state.received
    mine = {c for ids in counts.cases.values() for c in ids}
    reached = {s.ref for s in load.sent if counts.cases.get(s.ref, set()) & counts.read_model}
    duplicated = sum(len(ids) - 1 for ids in counts.cases.values() if len(ids) > 1)
    duplicated += len(counts.read_model - mine)  # a case in the read model that no registration was answered with
    return Outcome(
        scenario=scenario, sent=len(load.sent), in_read_model=len(counts.read_model & mine),
        lost=len(load.sent) - len(reached), duplicated=duplicated,
        without_sms=sum(1 for s in load.sent if not counts.sms_keys.get(s.phone[-11:])),
        duplicate_sms=sum(len(keys) - 1 for keys in counts.sms_keys.values() if len(keys) > 1),
        sms_refused=system.gateways.state.refused, sms_repeated=len(received) - len({m.key for m in received}),
        signs=signs(system.logs()), dead_letters=dict(counts.dead), dead_by_topic=dict(counts.dead_by_topic),
        valid_dead_lettered=counts.valid_dead, poison_sent=poison_sent,
        seconds=loop.time() - started)
