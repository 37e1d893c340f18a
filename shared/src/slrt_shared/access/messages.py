"""The sender of a command on Kafka: the token in its ``authorization`` header (``Bearer <token>``), judged as
of the message's ``ce_time``, so a valid command never turns unauthorised because it waited in a partition or a
dead-letter topic. A ``ce_time`` further in the future than a small skew is refused (a token cannot be
stretched by post-dating the command)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slrt_contracts.envelope import CloudEvent

from slrt_shared.access.principal import Principal
from slrt_shared.access.tokens import TokenRejected, TokenVerifier, bearer
from slrt_shared.replays import REPLAYED_FROM, replayed_sender

SKEW = timedelta(minutes=5)


async def sender_of(event: CloudEvent, verifier: TokenVerifier, *, now: datetime | None = None) -> Principal:
    """The verified sender; ``TokenRejected`` when there is none. A replayed dead letter counts as sent by its
    original verified sender when an admin's token, valid now, vouches for it (``slrt_shared.replays``)."""
    if REPLAYED_FROM in event.replay:
        return replayed_sender(event.replay, await verifier.verify_async(bearer(event.authorization), at=now))
    if event.time > (now or datetime.now(UTC)) + SKEW:
        raise TokenRejected("ce_time is in the future")
    return await verifier.verify_async(bearer(event.authorization), at=event.time)


def sender_headers(sender: Principal) -> list[tuple[str, bytes]]:
    """Who sent a message, as verified, for a dead-letter copy (which never keeps the token itself)."""
    headers = [("x-sender-sub", sender.sub.encode()), ("x-sender-role", sender.role.value.encode()),
               ("x-sender-scope", sender.scope.encode())]
    if sender.owner:
        headers.append(("x-sender-owner", sender.owner.encode()))
    return headers
