"""Messages no consumer can use, for every consumed topic: garbage, an unknown type, deep JSON, a number of
thousands of digits, no headers at all, a value over the maximum message size, data that is not the type's.
Each is marked (``chaos-poison`` in its value or as its ``ce_source``) so the tally can tell them from valid
messages in the dead letters."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from slrt_contracts.topics import CONSUMED_BY

from slrt.chaos.tally import POISON


def _headers(ce_type: str) -> list[tuple[str, bytes]]:
    return [(k, v.encode()) for k, v in {
        "ce_specversion": "1.0", "ce_id": f"{POISON}-{uuid.uuid4()}", "ce_source": f"/{POISON}", "ce_type": ce_type,
        "ce_time": datetime.now(UTC).isoformat(), "content-type": "application/json"}.items()]


def poison_messages(valid_type: str) -> list[tuple[str, bytes, list[tuple[str, bytes]]]]:
    """(kind, value, headers) of each kind of poison for a topic whose messages are of ``valid_type``."""
    marker = json.dumps(POISON)
    return [
        ("garbage", f"{POISON} ".encode() + bytes(range(128, 256)), _headers(valid_type)),
        ("unknown type", json.dumps({"note": POISON}).encode(), _headers("id.slrt.case.vanished.v1")),
        ("deep JSON", ("{" + marker + ":" + "[" * 100_000 + "]" * 100_000 + "}").encode(), _headers(valid_type)),
        ("huge number", ("{" + marker + ":" + "9" * 5_000 + "}").encode(), _headers(valid_type)),
        ("no headers", json.dumps({"note": POISON, "case_id": "x"}).encode(), []),
        ("1 MB value", json.dumps({"note": POISON, "pad": "x" * 1_100_000}).encode(), _headers(valid_type)),
        ("invalid data", json.dumps({"note": POISON, "case_id": 42}).encode(), _headers(valid_type)),
    ]


#: the type each consumed topic carries, so the poison looks like it belongs there
VALID_TYPES = {
    "slrt.intake.commands": "id.slrt.case.register.v1",
    "slrt.case.events": "id.slrt.case.registered.v1",
    "slrt.case.contacts": "id.slrt.case.contacts.v1",
    "slrt.referral.updates": "id.slrt.referral.update.v1",
    "slrt.notification.events": "id.slrt.notification.sent.v1",
}


async def send_poison(bootstrap: str, prefix: str, *, case_keys: list[bytes], command_key: bytes) -> int:
    """Every kind of poison on every consumed topic; the count sent. Keyed as valid messages are (the agency's
    key on the commands, the ids of cases still in flight elsewhere), so each lands in a partition that valid
    messages of the same key follow: those arriving proves the partition kept flowing."""
    assert set(VALID_TYPES) == set(CONSUMED_BY)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=2_000_000)
    await producer.start()
    sent = 0
    try:
        for base, ce_type in VALID_TYPES.items():
            for i, (_kind, value, headers) in enumerate(poison_messages(ce_type)):
                if base == "slrt.intake.commands":
                    key = command_key
                elif case_keys and base != "slrt.case.contacts":  # compacted: a case's key there is its contacts
                    key = case_keys[(sent + i) % len(case_keys)]
                else:
                    key = f"{POISON}-{uuid.uuid4()}".encode()
                await producer.send_and_wait(f"{prefix}{base}", value, key=key, headers=headers)
                sent += 1
    finally:
        await producer.stop()
    return sent
