"""What every service's HTTP side does before and after a route: refuse a body over the limit (413, in the
contract's error shape, before it is read into memory), and send the usual security headers. API answers are
never cached (they may carry personal data) and may not be framed or sniffed; a page that needs more sets its
own Content-Security-Policy (the dashboard, ``/docs``)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException

from slrt_shared.errors import wants_indonesian

Scope = dict[str, Any]
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
           (b"referrer-policy", b"no-referrer"), (b"cross-origin-opener-policy", b"same-origin")]


def _items(scope: Scope, limit: int) -> list[dict[str, Any]]:
    headers = dict(scope.get("headers") or [])
    indonesian = wants_indonesian(headers.get(b"accept-language", b"").decode("latin-1"))
    msg = (f"isi permintaan melebihi batas {limit} byte" if indonesian
           else f"the request body is larger than the limit of {limit} bytes")
    return [{"loc": ["body"], "msg": msg, "type": "body_too_large"}]


def _too_large(scope: Scope, limit: int) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    body = json.dumps({"detail": _items(scope, limit)}).encode()
    return body, [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]


class Hardening:
    """ASGI middleware: the body limit and the security headers."""

    def __init__(self, app: Any, *, max_body_bytes: int) -> None:
        self.app, self.limit = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send)
            return
        received = 0

        async def counting_receive() -> Any:  # a body without a (true) length: counted as it arrives
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:  # the app's error handlers answer it, in the contract's shape
                    raise HTTPException(413, detail=_items(scope, self.limit))
            return message

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", API_POLICY.encode()))
                if scope["path"].startswith("/v1") and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, counting_receive, with_headers)

    async def _refuse(self, scope: Scope, send: Any) -> None:
        body, headers = _too_large(scope, self.limit)
        await send({"type": "http.response.start", "status": 413, "headers": [*headers, *HEADERS]})
        await send({"type": "http.response.body", "body": body})
