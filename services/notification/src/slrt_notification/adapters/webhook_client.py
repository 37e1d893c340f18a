"""The HTTP client of webhook deliveries: one POST per delivery, on kept-alive connections.

On an ``HttpPool``, as SMS is: a deployment with many subscribers sends several requests per case event.
Redirects are not followed (a subscriber's URL is the one it registered) and the answer's status is all that
is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

from slrt_notification.adapters.http_pool import HttpPool


@dataclass(frozen=True)
class Answer:
    status: int | None  # the receiver's HTTP status; None when no answer came
    error: str | None = None  # why no answer came (the exception's name: never an address or a body)


class WebhookClient:
    """At most ``connections`` deliveries at once, each bounded by ``timeout`` seconds."""

    def __init__(self, *, timeout: float, connections: int = 50) -> None:
        self._pool = HttpPool(timeout=timeout, connections=connections)

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        try:
            async with self._pool.session().post(url, data=body, headers=dict(headers),
                                                 allow_redirects=False) as response:
                await response.read()  # the connection goes back to the pool for the next delivery
                return Answer(response.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Answer(None, type(exc).__name__)

    async def close(self) -> None:
        await self._pool.close()
