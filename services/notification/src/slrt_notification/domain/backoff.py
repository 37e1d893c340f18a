"""Exponential backoff with full jitter, capped; the first retry comes within ``first`` seconds."""

from __future__ import annotations

import random


def delay(attempt: int, *, first: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
    ceiling = min(cap, first * 2 ** (attempt - 1))
    r = rng or random
    return ceiling / 2 + r.uniform(0, ceiling / 2)
