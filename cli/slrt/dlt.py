"""``slrt dlt``: what the consumers dead-lettered, and bringing it back once its cause is fixed.

    slrt dlt list [TOPIC]                         # counts by reason and consumer, replayed, purged
    slrt dlt show TOPIC PARTITION OFFSET          # one dead letter's headers (its value on public topics only)
    slrt dlt replay TOPIC [--reason R] [--since T] [--dry-run]
    slrt dlt purge TOPIC --before T

``TOPIC`` is a consumed topic or its dead-letter topic (``slrt.case.events`` or ``slrt.case.events.dlt``),
without ``SLRT_TOPIC_PREFIX``. A replay sends each chosen dead letter to its original topic with its original
key, value and CloudEvents headers and a marker (``slrt_shared.replays``): every consumer's inbox still knows
the event by its ``ce_id``, so one that took it in before skips it, and the replay ledger
(``<dead-letter topic>.replayed``) makes each copy replayed once. On the commands and referral-update topics the
replay carries the admin's token and the sender verified when the message first arrived; the consumer judges it
as that sender's.

A purge deletes the dead letters written before ``T`` (Kafka's DeleteRecords); a broker that cannot delete
records (the embedded one) gets a mark in the ledger below which the other actions no longer see them.

Asks as an admin (``--token``, else ``SLRT_DEV_ADMIN_TOKEN``, else a short-lived token of the development key)
and writes each action into the audit trail of the services consuming the topic (their databases, as
``slrt outbox``): without a writable audit trail nothing is done. Values of the commands, contacts and
referral-update dead letters are never printed (personal data), nor is any token.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic, RecordsToDelete
from slrt_contracts.topics import (
    AUTHENTICATED_TOPICS,
    CONSUMED_BY,
    DEAD_LETTER_SUFFIX,
    INTAKE_COMMANDS,
    PERSONAL_TOPICS,
)
from slrt_shared import audit, db
from slrt_shared.access.principal import Principal, Role
from slrt_shared.access.tokens import TokenRejected
from slrt_shared.access.verifier import verifier_from
from slrt_shared.kafka import client_options
from slrt_shared.replays import Copy, ledger_topic, replay_headers
from slrt_shared.settings import ServiceSettings

from slrt.audit import admin_token
from slrt.settings import CliSettings

Kafka = dict[str, Any]  # aiokafka client options: the broker and its security settings


def plaintext(bootstrap: str) -> Kafka:
    """The options of a broker without security (the embedded broker of the tools and the tests)."""
    return {"bootstrap_servers": bootstrap}

PURGE_KEY = "purge/"
READ_TIMEOUT_S = 30.0


class DltError(Exception):
    """What the operator is told, on stderr, with exit code 1."""


def when(text: str) -> datetime:
    """An ISO 8601 time (a date alone is midnight UTC); without a zone it is UTC."""
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass(frozen=True)
class DeadLetter:
    copy: Copy
    at: datetime
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v.decode("utf-8", "replace")
        return None

    @property
    def reason(self) -> str:
        return self.header("x-error-reason") or self.header("x-error-type") or "unknown"

    @property
    def original_topic(self) -> str:
        return self.header("x-original-topic") or self.copy.topic.removesuffix(DEAD_LETTER_SUFFIX)


@dataclass
class Ledger:
    """What was replayed (by partition and offset) and below which offset each partition is purged."""

    replayed: dict[bytes, dict[str, Any]] = field(default_factory=dict)
    purged_below: dict[int, int] = field(default_factory=dict)

    def live(self, letter: DeadLetter) -> bool:
        return letter.copy.offset >= self.purged_below.get(letter.copy.partition, 0)

    def was_replayed(self, letter: DeadLetter) -> bool:
        return letter.copy.ledger_key in self.replayed


@dataclass(frozen=True)
class Names:
    """A topic as the operator names it, and as it is on the broker."""

    base: str  # slrt.case.events
    prefix: str

    @classmethod
    def of(cls, given: str, prefix: str) -> Names:
        base = given.removeprefix(prefix).removesuffix(DEAD_LETTER_SUFFIX)
        if base not in CONSUMED_BY:
            raise DltError(f"{given}: not a consumed topic; one of {', '.join(CONSUMED_BY)}, or its "
                           f"{DEAD_LETTER_SUFFIX}")
        return cls(base, prefix)

    @property
    def dead_letters(self) -> str:
        return f"{self.prefix}{self.base}{DEAD_LETTER_SUFFIX}"

    @property
    def ledger(self) -> str:
        return ledger_topic(self.dead_letters)

    @property
    def personal(self) -> bool:
        return self.base in PERSONAL_TOPICS

    @property
    def authenticated(self) -> bool:
        return self.base in AUTHENTICATED_TOPICS


async def read_topic(kafka: Kafka, topic: str) -> list[Any]:
    """Every record of ``topic`` now on the broker, in partition and offset order; none if it does not exist."""
    consumer = AIOKafkaConsumer(**kafka, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        if topic not in await consumer.topics():  # fetches the cluster's metadata
            return []
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[Any] = []
        deadline = asyncio.get_running_loop().time() + READ_TIMEOUT_S
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            if asyncio.get_running_loop().time() > deadline:
                raise DltError(f"{topic}: could not read to its end within {READ_TIMEOUT_S:.0f} s")
            batch = await consumer.getmany(timeout_ms=500)
            for messages in batch.values():
                records += messages
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def dead_letters(kafka: Kafka, names: Names) -> tuple[list[DeadLetter], Ledger]:
    letters = [DeadLetter(Copy(r.topic, r.partition, r.offset), datetime.fromtimestamp(r.timestamp / 1000, UTC),
                          r.key, r.value, list(r.headers or []))
               for r in await read_topic(kafka, names.dead_letters)]
    ledger = Ledger()
    for r in await read_topic(kafka, names.ledger):
        key = r.key or b""
        entry = json.loads(r.value) if r.value else {}
        if key.decode().startswith(PURGE_KEY):
            partition = int(key.decode().removeprefix(PURGE_KEY))
            ledger.purged_below[partition] = max(ledger.purged_below.get(partition, 0), int(entry["below"]))
        else:
            ledger.replayed[key] = entry
    return letters, ledger


async def _ensure_ledger(kafka: Kafka, names: Names) -> None:
    admin = AIOKafkaAdminClient(**kafka)
    await admin.start()
    try:
        if names.ledger not in await admin.list_topics():
            await admin.create_topics([NewTopic(names.ledger, 1, 1, topic_configs={"cleanup.policy": "compact"})])
    except Exception as exc:  # noqa: BLE001 - created meanwhile by another operator
        if "TopicAlreadyExists" not in type(exc).__name__:
            raise
    finally:
        await admin.close()


# -- the audit trail ---------------------------------------------------------------------------------------------

class AuditTrails:
    """The audit tables of the services consuming a topic, opened before anything is done."""

    def __init__(self, settings: CliSettings, services: Iterable[str]) -> None:
        self._settings = settings
        self._services = list(dict.fromkeys(services))
        self._engines: dict[str, Any] = {}

    async def __aenter__(self) -> AuditTrails:
        for service in self._services:
            engine = db.create_engine(self._settings.database_url(service))
            self._engines[service] = engine
            try:
                async with engine.connect() as conn:
                    await conn.execute(sa.select(sa.func.count()).select_from(self._table(service)).limit(1))
            except Exception as exc:  # noqa: BLE001 - told to the operator: nothing is done without a trail
                raise DltError(f"{service}'s audit trail cannot be written ({type(exc).__name__}); start the service "
                               f"once and check SLRT_{service.upper()}_DATABASE_URL") from None
        return self

    async def __aexit__(self, *exc: object) -> None:
        for engine in self._engines.values():
            await engine.dispose()

    @staticmethod
    def _table(service: str) -> sa.Table:
        return importlib.import_module(f"slrt_{service}.adapters.tables").audit_log  # type: ignore[no-any-return]

    async def record(self, principal: Principal, action: str, *, case_ids: Sequence[str] = (),
                     detail: dict[str, Any]) -> None:
        for service, engine in self._engines.items():
            async with db.session_factory(engine)() as session, session.begin():
                if case_ids:
                    await audit.record_cases(session, self._table(service), principal=principal, action=action,
                                             case_ids=case_ids, detail=detail)
                else:
                    await audit.record(session, self._table(service), principal=principal, action=action,
                                       detail=detail)


# -- the actions ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Operator:
    principal: Principal
    token: str


async def _topics_with_dead_letters(kafka: Kafka, prefix: str) -> list[Names]:
    consumer = AIOKafkaConsumer(**kafka)
    await consumer.start()
    try:
        existing = await consumer.topics()
    finally:
        await consumer.stop()
    return [Names(base, prefix) for base in CONSUMED_BY if f"{prefix}{base}{DEAD_LETTER_SUFFIX}" in existing]


def summary(names: Names, letters: Sequence[DeadLetter], ledger: Ledger) -> dict[str, Any]:
    live = [d for d in letters if ledger.live(d)]
    return {"topic": names.dead_letters, "dead_letters": len(live),
            "by_reason": dict(sorted(Counter(d.reason for d in live).items())),
            "by_consumer": dict(sorted(Counter(d.header("x-consumer") or "?" for d in live).items())),
            "replayed": sum(ledger.was_replayed(d) for d in live), "purged": len(letters) - len(live),
            "oldest": min((d.at for d in live), default=None), "newest": max((d.at for d in live), default=None)}


async def list_dead_letters(settings: CliSettings, operator: Operator, topic: str | None) -> list[dict[str, Any]]:
    kafka, prefix = _kafka(settings), settings.topic_prefix
    chosen = [Names.of(topic, prefix)] if topic else await _topics_with_dead_letters(kafka, prefix)
    found = [(names, summary(names, *await dead_letters(kafka, names))) for names in chosen]
    if not topic:  # counts alone, no message: told in the trails of the topics that hold dead letters
        found = [(names, row) for names, row in found if row["dead_letters"] or row["purged"]]
    async with AuditTrails(settings, (s for names, _ in found for s in CONSUMED_BY[names.base])) as trails:
        await trails.record(operator.principal, "dead_letters_listed",
                            detail={"topics": [row["topic"] for _, row in found]})
    return [row for _, row in found]


def describe(names: Names, letter: DeadLetter, ledger: Ledger) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "topic": letter.copy.topic, "partition": letter.copy.partition, "offset": letter.copy.offset,
        "dead_lettered_at": letter.at.isoformat(), "key": (letter.key or b"").decode("utf-8", "replace"),
        "headers": {k: v.decode("utf-8", "replace") for k, v in letter.headers if k.lower() != "authorization"},
        "bytes": len(letter.value or b""), "replayed": ledger.replayed.get(letter.copy.ledger_key),
        "purged": not ledger.live(letter),
    }
    if names.personal:
        shown["value"] = None
        shown["value_withheld"] = f"{names.base} holds personal data: its values are never shown"
    else:
        shown["value"] = (letter.value or b"").decode("utf-8", "replace")
    return shown


async def show_dead_letter(settings: CliSettings, operator: Operator, topic: str, partition: int,
                           offset: int) -> dict[str, Any]:
    names = Names.of(topic, settings.topic_prefix)
    async with AuditTrails(settings, CONSUMED_BY[names.base]) as trails:
        letters, ledger = await dead_letters(_kafka(settings), names)
        found = [d for d in letters if (d.copy.partition, d.copy.offset) == (partition, offset)]
        if not found:
            raise DltError(f"{names.dead_letters}: no dead letter at partition {partition}, offset {offset}")
        shown = describe(names, found[0], ledger)
        await trails.record(operator.principal, "dead_letter_shown", case_ids=_case_ids(names, found),
                            detail={"topic": names.dead_letters, "partition": partition, "offset": offset})
    return shown


def chosen_for_replay(letters: Sequence[DeadLetter], ledger: Ledger, *, reason: str | None,
                      since: datetime | None) -> list[DeadLetter]:
    return [d for d in letters if ledger.live(d) and not ledger.was_replayed(d)
            and (reason is None or d.reason == reason) and (since is None or d.at >= since)]


async def replay_dead_letters(settings: CliSettings, operator: Operator, topic: str, *, reason: str | None,
                              since: datetime | None, dry_run: bool = False) -> list[dict[str, Any]]:
    names, kafka = Names.of(topic, settings.topic_prefix), _kafka(settings)
    async with AuditTrails(settings, CONSUMED_BY[names.base]) as trails:
        letters, ledger = await dead_letters(kafka, names)
        chosen = chosen_for_replay(letters, ledger, reason=reason, since=since)
        done: list[dict[str, Any]] = []
        if chosen and not dry_run:
            await _ensure_ledger(kafka, names)
            producer = AIOKafkaProducer(**kafka, acks="all")
            await producer.start()
            try:
                for letter in chosen:
                    done.append(await _replay_one(producer, names, operator, letter))
            finally:
                await producer.stop()
        await trails.record(operator.principal, "dead_letters_replayed" if not dry_run else "dead_letters_replay_tried",
                            case_ids=_case_ids(names, chosen),
                            detail={"topic": names.dead_letters, "reason": reason,
                                    "since": since.isoformat() if since else None, "count": len(chosen),
                                    "original_senders": sorted({f"{d.header('x-sender-role')}@"
                                                                f"{d.header('x-sender-scope')}" for d in chosen
                                                                if d.header("x-sender-role")})})
    return done if not dry_run else [{"from": str(d.copy), "reason": d.reason} for d in chosen]


async def _replay_one(producer: AIOKafkaProducer, names: Names, operator: Operator,
                      letter: DeadLetter) -> dict[str, Any]:
    headers = replay_headers(letter.headers, copy=letter.copy, admin=operator.principal,
                             token=operator.token if names.authenticated else None)
    sent = await producer.send_and_wait(letter.original_topic, letter.value, key=letter.key, headers=headers)
    entry = {"at": datetime.now(UTC).isoformat(), "by": operator.principal.sub,
             "to": f"{sent.topic}/{sent.partition}/{sent.offset}", "reason": letter.reason}
    await producer.send_and_wait(names.ledger, json.dumps(entry).encode(), key=letter.copy.ledger_key)
    return {"from": str(letter.copy), **entry}


async def purge_dead_letters(settings: CliSettings, operator: Operator, topic: str,
                             before: datetime) -> dict[str, Any]:
    names, kafka = Names.of(topic, settings.topic_prefix), _kafka(settings)
    async with AuditTrails(settings, CONSUMED_BY[names.base]) as trails:
        letters, ledger = await dead_letters(kafka, names)
        below: dict[int, int] = {}
        for letter in letters:  # per partition, the offset of the first dead letter written at or after `before`
            if letter.at < before:
                below[letter.copy.partition] = max(below.get(letter.copy.partition, 0), letter.copy.offset + 1)
        gone = [d for d in letters if ledger.live(d) and d.copy.offset < below.get(d.copy.partition, 0)]
        how = await _delete_records(kafka, names, below) if below else "nothing to purge"
        if below:
            await _ensure_ledger(kafka, names)
            producer = AIOKafkaProducer(**kafka, acks="all")
            await producer.start()
            try:
                for partition, offset in below.items():
                    mark = {"below": offset, "before": before.isoformat(), "by": operator.principal.sub}
                    await producer.send_and_wait(names.ledger, json.dumps(mark).encode(),
                                                 key=f"{PURGE_KEY}{partition}".encode())
            finally:
                await producer.stop()
        await trails.record(operator.principal, "dead_letters_purged",
                            detail={"topic": names.dead_letters, "before": before.isoformat(), "count": len(gone)})
    return {"topic": names.dead_letters, "purged": len(gone), "how": how}


async def _delete_records(kafka: Kafka, names: Names, below: dict[int, int]) -> str:
    admin = AIOKafkaAdminClient(**kafka, request_timeout_ms=10_000)
    await admin.start()
    try:
        await admin.delete_records({TopicPartition(names.dead_letters, p): RecordsToDelete(before_offset=o)
                                    for p, o in below.items()}, timeout_ms=10_000)
        return "deleted from the broker"
    except Exception as exc:  # noqa: BLE001 - a broker without DeleteRecords (the embedded one)
        return (f"the broker cannot delete records ({type(exc).__name__}): marked purged in {names.ledger}; "
                f"the broker drops them at its retention")
    finally:
        await admin.close()


def _case_ids(names: Names, letters: Iterable[DeadLetter]) -> list[str]:
    """The case ids among the dead letters' keys (every topic but the commands is keyed by case id)."""
    if names.base == INTAKE_COMMANDS:  # keyed by the agency's choice
        return []
    return [d.key.decode("utf-8", "replace") for d in letters if d.key]


def _kafka(settings: CliSettings) -> Kafka:
    """The broker's client options: ``SLRT_KAFKA_BOOTSTRAP`` and the services' security settings
    (``SLRT_KAFKA_SECURITY_PROTOCOL``, ``SLRT_KAFKA_SASL_*``, ``SLRT_KAFKA_SSL_CAFILE``): an operator's principal."""
    return client_options(ServiceSettings(
        kafka_bootstrap=settings.kafka_bootstrap or f"127.0.0.1:{settings.broker_port}"))


# -- the command line ----------------------------------------------------------------------------------------------

def operator_of(settings: CliSettings, given: str | None) -> Operator:
    token = admin_token(settings, given)
    if token is None:
        raise DltError("SLRT_AUTH_ISSUER is set; pass an admin's token with --token")
    try:
        principal = verifier_from(ServiceSettings()).verify(token)
    except TokenRejected as exc:
        raise DltError(f"the token is refused: {exc.reason}") from None
    if principal.role is not Role.ADMIN:
        raise DltError(f"slrt dlt needs an admin's token, not a {principal.role.value}'s")
    return Operator(principal, token)


def _print_list(rows: Sequence[dict[str, Any]], out: TextIO) -> None:
    if not rows:
        print("no dead-letter topics", file=out)
    for r in rows:
        reasons = ", ".join(f"{k} {v}" for k, v in r["by_reason"].items()) or "-"
        consumers = ", ".join(f"{k} {v}" for k, v in r["by_consumer"].items()) or "-"
        print(f"{r['topic']}: {r['dead_letters']} dead letter(s) [{reasons}] by [{consumers}], "
              f"{r['replayed']} replayed, {r['purged']} purged", file=out)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def run_dlt(settings: CliSettings, action: str, *, topic: str | None = None, partition: int | None = None,
            offset: int | None = None, reason: str | None = None, since: str | None = None,
            before: str | None = None, dry_run: bool = False, as_json: bool = False, token: str | None = None,
            out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        operator = operator_of(settings, token)
        result: Any
        if action == "list":
            result = asyncio.run(list_dead_letters(settings, operator, topic))
        elif action == "show":
            if topic is None or partition is None or offset is None:
                raise DltError("slrt dlt show TOPIC PARTITION OFFSET")
            result = asyncio.run(show_dead_letter(settings, operator, topic, partition, offset))
        elif action == "replay":
            if topic is None:
                raise DltError("slrt dlt replay TOPIC [--reason R] [--since T]")
            result = asyncio.run(replay_dead_letters(settings, operator, topic, reason=reason,
                                                     since=when(since) if since else None, dry_run=dry_run))
        else:
            if topic is None or before is None:
                raise DltError("slrt dlt purge TOPIC --before T")
            result = asyncio.run(purge_dead_letters(settings, operator, topic, when(before)))
    except (DltError, ValueError) as exc:
        print(f"slrt dlt {action}: {exc}", file=sys.stderr if out is sys.stdout else out)
        return 1
    if as_json:
        print(json.dumps(result, indent=2, default=_jsonable), file=out)
    elif action == "list":
        _print_list(result, out)
    elif action == "show":
        print(json.dumps(result, indent=2, default=_jsonable), file=out)
    elif action == "replay":
        verb = "would replay" if dry_run else "replayed"
        print(f"{verb} {len(result)} dead letter(s)", file=out)
        for r in result:
            print(f"  {r['from']}  {r['reason']}" + (f"  -> {r['to']}" if "to" in r else ""), file=out)
    else:
        print(f"{result['topic']}: {result['purged']} dead letter(s) purged ({result['how']})", file=out)
    return 0
