"""The four services' HTTP APIs, called with the signed-in officer's own token (the services decide what the
officer may see and do; the console never widens it) and the officer's language, so the APIs' own messages
come back in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

ACCEPT = {"id": "id", "en": "en"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def errors(self) -> list[dict[str, Any]]:
        """The contract's error items (``{"detail": [{"loc", "msg", "type"}]}``); one general item otherwise."""
        detail = self.body.get("detail") if isinstance(self.body, dict) else None
        if isinstance(detail, list):
            return [d for d in detail if isinstance(d, dict)]
        return [{"loc": [], "msg": str(detail or self.status), "type": "error"}]


class ServiceUnavailable(Exception):
    """A service did not answer (down, timed out): the page says so and keeps what was typed."""


class ServicesApi:
    def __init__(self, *, intake: str, routing: str, reporting: str, timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.urls = {"intake": intake.rstrip("/"), "routing": routing.rstrip("/"), "reporting": reporting.rstrip("/")}
        self.client = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def close(self) -> None:
        await self.client.aclose()

    async def call(self, service: str, method: str, path: str, *, token: str | None, lang: str,
                   json: Any = None, params: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Answer:
        sent = {"accept-language": ACCEPT.get(lang, "id"), **(headers or {})}
        if token:
            sent["authorization"] = f"Bearer {token}"
        try:
            r = await self.client.request(method, self.urls[service] + path, json=json, headers=sent,
                                          params={k: v for k, v in (params or {}).items() if v not in (None, "")})
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(service) from exc
        if r.status_code >= 500:
            raise ServiceUnavailable(service)
        try:
            body = r.json()
        except ValueError:
            body = None
        return Answer(r.status_code, body)

    async def ready(self) -> None:
        for url in self.urls.values():
            r = await self.client.get(url + "/healthz")
            r.raise_for_status()
