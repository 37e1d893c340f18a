"""Per-caller rate limits on writes: a token bucket for each subject, so one runaway system cannot drown a
service, while an ordinary day never meets the limit (defaults: 50 writes a second, bursts of 200, per
subject and process; ``SLRT_WRITE_RATE_PER_SECOND=0`` switches it off)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable


class WriteLimits:
    def __init__(self, rate_per_second: float, burst: int, *, subjects: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self._subjects, self._clock = rate_per_second, max(1, burst), subjects, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # subject -> (tokens, at)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, subject: str) -> float:
        """Take one write for ``subject``: 0 when allowed, else the seconds until one is (``Retry-After``)."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        tokens, at = self._buckets.pop(subject, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[subject] = (tokens, now)
        while len(self._buckets) > self._subjects:  # the least recently seen subject is forgotten (full again)
            self._buckets.popitem(last=False)
        return wait


def retry_after(wait: float) -> str:
    return str(max(1, math.ceil(wait)))
