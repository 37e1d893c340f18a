"""Delivery policy without I/O: backoff with jitter, the rate limit's token bucket, the settings' guards."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError
from slrt_notification.adapters.rate_limit import TokenBucket
from slrt_notification.domain.backoff import delay
from slrt_notification.settings import NotificationSettings


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    rng = random.Random(1)
    first = [delay(1, first=2, cap=300, rng=rng) for _ in range(50)]
    assert all(1 <= d <= 2 for d in first)  # first retry within the contract's 5 s
    assert all(8 <= delay(4, first=2, cap=300, rng=rng) <= 16 for _ in range(50))
    assert all(150 <= delay(20, first=2, cap=300, rng=rng) <= 300 for _ in range(50))  # capped at 5 minutes
    assert len({round(d, 6) for d in first}) > 40  # jitter spreads retries


def test_the_default_retry_policy_keeps_the_contracts_promises() -> None:
    s = NotificationSettings()
    assert s.retry_first_seconds <= 5 and s.retry_max_seconds == 300
    with pytest.raises(ValidationError):
        NotificationSettings(retry_first_seconds=6)
    with pytest.raises(ValidationError, match="lease_seconds"):
        NotificationSettings(lease_seconds=5, sms_timeout_seconds=10)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_grants_its_burst_then_only_its_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate_per_second=2, burst=5, clock=clock)
    assert bucket.reserve(50) == 5  # the burst
    assert bucket.reserve(50) == 0  # a loop asking again at once gets nothing
    assert bucket.seconds_until_next() == pytest.approx(0.5)
    clock.now += 1.0
    assert bucket.reserve(50) == 2
    clock.now += 3600  # idle for an hour: never more than the burst at once
    assert bucket.reserve(50) == 5
    granted = 0
    for _ in range(600):  # ten minutes of a runaway loop polling every second
        clock.now += 1.0
        granted += bucket.reserve(50)
    assert granted == 2 * 600


def test_unused_tokens_are_given_back_up_to_the_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(rate_per_second=1, burst=3, clock=clock)
    assert bucket.reserve(3) == 3
    bucket.refund(2)
    assert bucket.reserve(10) == 2
    bucket.refund(10)
    assert bucket.reserve(10) == 3
