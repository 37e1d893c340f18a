"""Development sinks for ``slrt dev``: nothing leaves the machine, and a person can read what was sent.

Ports (``slrt dev`` / ``slrt sinks``; on 127.0.0.1 unless ``SLRT_SINK_HOST`` says otherwise, as in a container):

- SMTP on ``SLRT_SINK_SMTP_PORT`` (default 8025): every e-mail is saved as ``<dir>/mail/*.eml``.
- HTTP on ``SLRT_SINK_HTTP_PORT`` (default 8026):
  - ``POST /sms``: the SMS gateway of the contract (``Authorization: Bearer <any token>``, JSON
    ``{"to", "message", "idempotency_key"}``; 202 accepted; a repeated key is accepted and not stored twice),
    saved as ``<dir>/sms/*.json``. The gateway URL to configure is ``http://127.0.0.1:<port>/sms``.
  - ``GET /``: a page listing every message, newest first (refreshes itself);
    ``GET /messages.json``: the same list as JSON.

``run_sinks(directory, smtp_port=..., http_port=...)`` runs both until it is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import json
import re
import uuid
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse


class MailFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(envelope.content)
        return "250 OK"


def _file_name(key: str) -> str:
    """A file name from an idempotency key that cannot leave the folder, whatever the key holds."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "_", key)[:60]
    return f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.json"


def _text_of(mail: Message) -> str:
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode("utf-8", "replace")
    return ""


def sink_app(folder: Path) -> FastAPI:
    sms_dir, mail_dir = folder / "sms", folder / "mail"
    sms_dir.mkdir(parents=True, exist_ok=True)
    app = FastAPI(title="SLRT development sinks", docs_url=None, redoc_url=None)

    @app.post("/sms")
    async def sms(request: Request) -> JSONResponse:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return JSONResponse({"error": "missing bearer token"}, status_code=401)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) and body[k] for k in (
                "to", "message", "idempotency_key")):
            return JSONResponse({"error": "to, message and idempotency_key are required"}, status_code=400)
        path = sms_dir / _file_name(body["idempotency_key"])
        if not path.exists():
            path.write_text(json.dumps({**body, "received_at": datetime.now(UTC).isoformat()}, ensure_ascii=False))
        return JSONResponse({"status": "accepted"}, status_code=202)

    def messages() -> list[tuple[str, str, str, str]]:
        rows = []
        for path in sorted(sms_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:200]:
            try:
                m = json.loads(path.read_text(encoding="utf-8"))
                rows.append((m["received_at"], "SMS", m["to"], m["message"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a file someone put there by hand: not ours to show
        for path in sorted(mail_dir.glob("*.eml"), reverse=True)[:200] if mail_dir.exists() else []:
            mail = message_from_bytes(path.read_bytes())
            stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()
            rows.append((stamp, "E-mail", mail["To"], f"{mail['Subject']}\n\n{_text_of(mail)}"))
        return sorted(rows, reverse=True)

    @app.get("/messages.json")
    async def listing() -> list[dict[str, str]]:
        return [{"at": a, "channel": k, "to": str(to), "text": text} for a, k, to, text in messages()]

    @app.get("/", response_class=HTMLResponse)
    async def page() -> str:
        rows = messages()
        body = "".join(f"<tr><td>{html.escape(a[:19])}</td><td>{k}</td><td>{html.escape(str(to))}</td>"
                       f"<td><pre>{html.escape(text)}</pre></td></tr>" for a, k, to, text in rows)
        return ("<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=5><title>SLRT sinks</title>"
                "<style>body{font-family:sans-serif;margin:2em}td{border-bottom:1px solid #ddd;padding:.4em;"
                "vertical-align:top}pre{white-space:pre-wrap;margin:0}</style>"
                f"<h1>Messages sent by SLRT (development)</h1><p>{len(rows)} messages, newest first; files in "
                f"{html.escape(str(folder))}</p><table><tr><th>time (UTC)</th><th>channel</th><th>to</th>"
                f"<th>message</th></tr>{body}</table>")

    return app


async def run_sinks(directory: Path, *, smtp_port: int, http_port: int, host: str = "127.0.0.1") -> None:
    """Serve the SMTP sink and the HTTP side (SMS gateway, message page) until cancelled; then both stop."""
    smtp = Controller(MailFolder(directory / "mail"), hostname=host, port=smtp_port)
    smtp.start()
    server = uvicorn.Server(uvicorn.Config(sink_app(directory), host=host, port=http_port,
                                           log_level="warning", access_log=False, lifespan="off"))
    serving = asyncio.create_task(server.serve(), name="sink-http")
    try:
        print(f"SMTP sink on {host}:{smtp_port}, SMS gateway and message page on http://{host}:{http_port}/",
              flush=True)
        await asyncio.shield(serving)
    finally:  # cancelled (or the server stopped): close the listening sockets before returning
        server.should_exit = True
        with contextlib.suppress(Exception):
            await serving
        smtp.stop()
