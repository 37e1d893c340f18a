"""The stream a chaos scenario runs under: agency commands on ``slrt.intake.commands`` and HTTP registrations,
each for a citizen of its own (a NIK and a phone number no other registration has), sent as a well-behaved
client sends them: a command once (the producer retries what the broker did not acknowledge), an HTTP
registration with an ``Idempotency-Key`` and retried with the same key until intake answers."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from slrt_contracts.commands import RegisterCase
from slrt_shared.access.devkey import DevKey
from slrt_shared.access.principal import Principal, Role

from slrt.chaos.system import System
from slrt.people import Population

REGISTER = RegisterCase.ce_type
COMMAND_KEY = b"chaos-agency"  # one key: the agency's commands keep their order, in one partition


@dataclass
class Sent:
    """One registration: how it was sent, the citizen's phone (digits after the trunk prefix) and, once intake
    answered, its case."""

    ref: str  # the command's ce_id, or the HTTP request's Idempotency-Key
    by: str  # "command" or "http"
    phone: str
    case_id: str | None = None


@dataclass
class Load:
    system: System
    count: int
    rate: float  # registrations a second
    http_every: int = 4  # every fourth registration over HTTP (0: none)
    seed: int = 7
    sent: list[Sent] = field(default_factory=list)

    def _token(self) -> str:
        key = DevKey.load_or_create(self.system.folder)
        return key.issue(Principal(sub="chaos-agency", role=Role.OPERATOR, scope="32.01"), audience="slrt",
                         ttl=timedelta(hours=4))

    def _registration(self, population: Population) -> dict[str, Any]:
        body = population.registration()
        body["citizen"].pop("email", None)  # the tally counts SMS; officers still get e-mail
        body["citizen"]["language"] = "id"
        body["citizen"]["phone"] = f"0812{len(self.sent) + 10_000_000:08d}"
        return body

    async def run(self) -> None:
        population = Population(seed=self.seed, focus=("32.01",))
        population.everywhere = population.focus  # the agency's scope: Kabupaten Bogor
        token = self._token()
        producer = AIOKafkaProducer(bootstrap_servers=self.system.bootstrap, acks="all", linger_ms=5)
        await producer.start()
        http: list[asyncio.Task[None]] = []
        try:
            async with httpx.AsyncClient(base_url=self.system.url("intake"), timeout=10,
                                         headers={"Authorization": f"Bearer {token}"}) as client:
                started = asyncio.get_running_loop().time()
                for i in range(self.count):
                    body = self._registration(population)
                    phone = body["citizen"]["phone"][1:]
                    if self.http_every and i % self.http_every == 0:
                        sent = Sent(str(uuid.uuid4()), "http", phone)
                        http.append(asyncio.create_task(self._post(client, sent, body)))
                    else:
                        sent = Sent(str(uuid.uuid4()), "command", phone)
                        await producer.send(f"{self.system.prefix}slrt.intake.commands", json.dumps(body).encode(),
                                            key=COMMAND_KEY, headers=command_headers(sent.ref, token))
                    self.sent.append(sent)
                    wait = started + (i + 1) / self.rate - asyncio.get_running_loop().time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                await producer.flush()
                await asyncio.gather(*http)
        finally:
            await producer.stop()

    async def _post(self, client: httpx.AsyncClient, sent: Sent, body: dict[str, Any]) -> None:
        deadline = asyncio.get_running_loop().time() + 300
        while asyncio.get_running_loop().time() < deadline:
            try:
                response = await client.post("/v1/cases", json=body, headers={"Idempotency-Key": sent.ref})
                if response.status_code in (200, 201):
                    sent.case_id = response.json()["case_id"]
                    return
                if response.status_code < 500 and response.status_code != 429:
                    raise RuntimeError(f"intake refused a valid registration: {response.status_code} "
                                       f"{response.text[:300]}")
            except httpx.HTTPError:
                pass  # intake away (killed, restarting): the same request again, with the same key
            await asyncio.sleep(1)


def command_headers(ce_id: str, token: str, source: str = "/agencies/chaos") -> list[tuple[str, bytes]]:
    """The headers of an agency's ``case.register`` command: a CloudEvent in Kafka binary mode, with its token."""
    headers = {"ce_specversion": "1.0", "ce_id": ce_id, "ce_source": source, "ce_type": REGISTER,
               "ce_time": datetime.now(UTC).isoformat(), "content-type": "application/json",
               "authorization": f"Bearer {token}"}
    return [(k, v.encode()) for k, v in headers.items()]
