"""Helpers for tests."""

from __future__ import annotations

import asyncio


async def eventually(check, *, timeout: float = 20.0, interval: float = 0.1):  # type: ignore[no-untyped-def]
    """Await ``check()`` until it returns a truthy value (returned) or the timeout passes (AssertionError)."""
    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            last = await check()
            if last:
                return last
        except AssertionError:
            pass
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
