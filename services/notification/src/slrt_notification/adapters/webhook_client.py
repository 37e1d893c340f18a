"""The HTTP client of webhook deliveries: one POST per delivery, on kept-alive connections.

aiohttp, as for SMS: per request about a tenth of the CPU httpx takes, and a deployment with many subscribers
sends several requests per case event. Redirects are not followed (a subscriber's URL is the one it registered)
and the answer's status is all that is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class Answer:
    status: int | None  # the receiver's HTTP status; None when no answer came
    error: str | None = None  # why no answer came (the exception's name: never an address or a body)


class WebhookClient:
    """At most ``connections`` requests at once; the session is made at the first request, on the running loop,
    and made again after ``close``."""

    def __init__(self, *, timeout: float, connections: int = 50) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._connections),
                                                  timeout=self._timeout, raise_for_status=False)
        return self._session

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        try:
            async with self._client().post(url, data=body, headers=dict(headers),
                                           allow_redirects=False) as response:
                await response.read()  # the connection goes back to the pool for the next delivery
                return Answer(response.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Answer(None, type(exc).__name__)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
