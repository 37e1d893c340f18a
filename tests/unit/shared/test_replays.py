"""A replayed dead letter's headers, and the sender a consumer takes it to be from."""

from __future__ import annotations

import pytest
from slrt_contracts.envelope import from_kafka
from slrt_shared.access.principal import NATIONAL, Principal, Role
from slrt_shared.access.tokens import TokenRejected
from slrt_shared.replays import Copy, replay_headers, replayed_sender

ADMIN = Principal(sub="admin-1", role=Role.ADMIN, scope=NATIONAL)
DEAD = [("ce_id", b"c-1"), ("ce_source", b"/agencies/x"), ("ce_type", b"id.slrt.case.register.v1"),
        ("ce_specversion", b"1.0"), ("x-error-reason", b"unexpected"), ("x-sender-sub", b"agency-7"),
        ("x-sender-role", b"operator"), ("x-sender-scope", b"32.01"), ("x-original-topic", b"slrt.intake.commands")]


def test_a_replay_keeps_the_envelope_marks_its_copy_and_carries_the_original_sender() -> None:
    headers = dict(replay_headers(DEAD, copy=Copy("slrt.intake.commands.dlt", 2, 41), admin=ADMIN, token="tok"))
    assert headers["ce_id"] == b"c-1" and headers["x-replayed-from"] == b"slrt.intake.commands.dlt/2/41"
    assert headers["x-replayed-by"] == b"admin-1" and headers["authorization"] == b"Bearer tok"
    assert (headers["x-original-sender-sub"], headers["x-original-sender-role"]) == (b"agency-7", b"operator")
    assert "x-error-reason" not in headers and "x-sender-sub" not in headers


def test_on_a_topic_without_tokens_a_replay_carries_none() -> None:
    headers = dict(replay_headers(DEAD, copy=Copy("d", 0, 1), admin=ADMIN, token=None))
    assert "authorization" not in headers and "x-original-sender-role" not in headers


def test_the_consumer_takes_the_original_sender_when_an_admin_vouches() -> None:
    event = from_kafka(replay_headers(DEAD, copy=Copy("d", 0, 1), admin=ADMIN, token="tok"), b"{}")
    assert replayed_sender(event.replay, ADMIN) == Principal(sub="agency-7", role=Role.OPERATOR, scope="32.01")
    with pytest.raises(TokenRejected, match="admin"):
        replayed_sender(event.replay, Principal(sub="op", role=Role.OPERATOR, scope="32.01"))


def test_a_sender_never_verified_stays_unverified() -> None:
    unverified = [h for h in DEAD if not h[0].startswith("x-sender-")]
    event = from_kafka(replay_headers(unverified, copy=Copy("d", 0, 1), admin=ADMIN, token="tok"), b"{}")
    with pytest.raises(TokenRejected, match="never verified"):
        replayed_sender(event.replay, ADMIN)
