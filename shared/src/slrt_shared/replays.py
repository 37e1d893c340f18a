"""A dead letter replayed to its original topic (``slrt dlt replay``), and how a consumer judges its sender.

The replayed message is the dead letter's value with its original key and CloudEvents headers (``ce_id``
unchanged, so every consumer's inbox still knows whether it took the event in already), plus:

- ``x-replayed-from``: ``<dead-letter topic>/<partition>/<offset>``, the copy it came from; the replay ledger
  (``<dead-letter topic>.replayed``, keyed by partition and offset) makes each copy replayed once;
- ``x-replayed-by``: the replaying admin's subject;
- on a topic whose messages carry a token (commands, referral updates): ``authorization`` with the admin's
  token, and the original sender as verified when it first arrived, ``x-original-sender-sub|role|scope|owner``.

A consumer takes a replayed message as sent by that original sender, but only when the token is a valid
admin's, judged now (the original ``ce_time`` may be days old). A dead letter of a sender who was never
verified cannot be replayed into effect: its replay is refused as unauthorised once more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slrt_shared.access.principal import InvalidClaims, Principal, Role
from slrt_shared.access.tokens import TokenRejected

REPLAYED_FROM = "x-replayed-from"
REPLAYED_BY = "x-replayed-by"
ORIGINAL_SENDER = "x-original-sender-"
#: the dead-letter headers naming the verified sender (``slrt_shared.access.messages.sender_headers``)
SENDER = "x-sender-"
LEDGER_SUFFIX = ".replayed"


def ledger_topic(dead_letter_topic: str) -> str:
    return f"{dead_letter_topic}{LEDGER_SUFFIX}"


@dataclass(frozen=True)
class Copy:
    """Where a dead letter sits: its topic, partition and offset."""

    topic: str
    partition: int
    offset: int

    @property
    def ledger_key(self) -> bytes:
        return f"{self.partition}/{self.offset}".encode()

    def __str__(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


def replay_headers(dead_headers: list[tuple[str, bytes]], *, copy: Copy, admin: Principal,
                   token: str | None) -> list[tuple[str, bytes]]:
    """The headers of a dead letter's replay: the original ones, the marker, and (``token`` given) the admin's
    token with the originally verified sender."""
    headers = [(k, v) for k, v in dead_headers if not k.startswith("x-") and k.lower() != "authorization"]
    headers += [(REPLAYED_FROM, str(copy).encode()), (REPLAYED_BY, admin.sub.encode())]
    if token is not None:
        headers.append(("authorization", f"Bearer {token}".encode()))
        headers += [(ORIGINAL_SENDER + k.removeprefix(SENDER), v) for k, v in dead_headers if k.startswith(SENDER)]
    return headers


def replayed_sender(replay: Mapping[str, str], admin: Principal) -> Principal:
    """The sender a replayed message counts as: the original verified sender, vouched for by an admin."""
    if admin.role is not Role.ADMIN:
        raise TokenRejected("a replayed message needs an admin's token")
    if not replay.get(ORIGINAL_SENDER + "role"):
        raise TokenRejected("a replayed message whose sender was never verified")
    try:
        return Principal(sub=replay.get(ORIGINAL_SENDER + "sub", ""), role=Role(replay[ORIGINAL_SENDER + "role"]),
                         scope=replay.get(ORIGINAL_SENDER + "scope", ""),
                         owner=replay.get(ORIGINAL_SENDER + "owner") or None)
    except (ValueError, InvalidClaims):
        raise TokenRejected("a replayed message with an unreadable original sender") from None
