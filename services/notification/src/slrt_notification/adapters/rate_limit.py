"""A token bucket per channel: a loop can never drain paid SMS faster than the configured rate.

Tokens are reserved before messages are claimed, so a claimed message is sent at once and never waits for
the bucket while its lease runs out (which would let another instance send it a second time).
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    def __init__(self, rate_per_second: float, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.rate = rate_per_second
        self.capacity = burst if burst is not None else max(1.0, rate_per_second)
        self._clock = clock
        self._tokens = self.capacity
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def reserve(self, wanted: int) -> int:
        """Take up to ``wanted`` whole tokens that are there now; return how many were taken."""
        self._refill()
        granted = max(0, min(wanted, int(self._tokens)))
        self._tokens -= granted
        return granted

    def refund(self, unused: int) -> None:
        """Give back tokens reserved for messages that were not there after all."""
        self._refill()
        self._tokens = min(self.capacity, self._tokens + unused)

    def seconds_until_next(self) -> float:
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
