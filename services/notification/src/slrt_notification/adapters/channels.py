"""Delivery channels. A channel sends one message and says whether it arrived, may be retried, or never will.

Adding a channel (a WhatsApp business gateway, say) is one more class with ``name`` and ``send`` (see the
service's README): the rest of the service (claiming, retries, rate limits, events) does not change.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Literal, Protocol

import aiohttp
import aiosmtplib

from slrt_notification.adapters.http_pool import HttpPool
from slrt_notification.adapters.mail import UnsafeHeader, mail_bytes
from slrt_notification.domain.templates import Rendered

#: sent: accepted by the next hop. retry: 429, 5xx, a timeout or a broken connection (the outcome may be
#: unknown: the next attempt carries the same idempotency key / Message-ID). permanent: refused for good.
#: skipped: not sent on purpose (the channel is not configured, the recipient has no address for it).
Outcome = Literal["sent", "retry", "permanent", "skipped"]


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    reason: str | None = None


class Channel(Protocol):
    name: str

    async def send(self, *, to: str, message: Rendered, idempotency_key: str) -> Delivery:
        """Send ``message`` to ``to``; the same ``idempotency_key`` on every attempt of one notification."""
        ...

    async def close(self) -> None: ...


class SmtpChannel:
    """E-mail over SMTP, on connections kept open between messages (a few at once): one connection and
    greeting per message would cost more than the message. A connection idle for longer than ``keep_idle``
    seconds is closed instead of used (servers drop idle clients); one that failed is never used again."""

    name = "email"

    def __init__(self, *, host: str, port: int, sender: str, username: str | None, password: str | None,
                 starttls: bool, timeout: float, keep_idle: float = 10.0, connections: int = 4) -> None:
        self._host, self._port, self._from = host, port, sender
        self._envelope_from = parseaddr(sender)[1] or sender  # "SLRT <slrt@example.id>" -> slrt@example.id
        self._user, self._password, self._starttls, self._timeout = username, password, starttls, timeout
        self._keep_idle = keep_idle
        self._idle: list[tuple[float, aiosmtplib.SMTP]] = []
        self._slots = asyncio.Semaphore(connections)

    async def _connection(self) -> aiosmtplib.SMTP:
        now = time.monotonic()
        while self._idle:
            since, smtp = self._idle.pop()
            if now - since < self._keep_idle and smtp.is_connected:
                return smtp
            await _close(smtp)
        smtp = aiosmtplib.SMTP(hostname=self._host, port=self._port, timeout=self._timeout,
                               start_tls=self._starttls)
        await smtp.connect()
        if self._user:
            await smtp.login(self._user, self._password or "")
        return smtp

    async def send(self, *, to: str, message: Rendered, idempotency_key: str) -> Delivery:
        try:
            mail = mail_bytes(sender=self._from, to=to, message=message, idempotency_key=idempotency_key)
        except UnsafeHeader as exc:
            return Delivery("permanent", str(exc))
        # SMTPUTF8 for an address beyond ASCII, as send_message would ask it
        options = [] if (self._envelope_from + to).isascii() else ["SMTPUTF8"]
        async with self._slots:
            smtp: aiosmtplib.SMTP | None = None
            try:
                smtp = await self._connection()
                await smtp.sendmail(self._envelope_from, [to], mail, mail_options=options)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                await _close(smtp)  # a refused transaction leaves the connection in no known state
                codes = [r.code for r in exc.recipients]
                return Delivery("permanent" if all(c >= 500 for c in codes) else "retry", f"smtp {max(codes)}")
            except aiosmtplib.SMTPResponseException as exc:
                await _close(smtp)
                return Delivery("permanent" if exc.code >= 500 else "retry", f"smtp {exc.code}")
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                await _close(smtp)
                return Delivery("retry", type(exc).__name__)
            except BaseException:
                await _close(smtp)
                raise
            self._keep(smtp)
        return Delivery("sent")

    def _keep(self, smtp: aiosmtplib.SMTP | None) -> None:
        if smtp is not None and smtp.is_connected:
            self._idle.append((time.monotonic(), smtp))

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for _, smtp in idle:
            await _close(smtp)


async def _close(smtp: aiosmtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        await asyncio.wait_for(smtp.quit(), timeout=1.0)
    except Exception:  # noqa: BLE001 - a connection that will not close politely is dropped
        smtp.close()


class SmsGatewayChannel:
    """The HTTP SMS gateway of the contract: 2xx accepted; 429 and 5xx retried; other 4xx permanent.

    Sent on a few kept-alive connections (``HttpPool``): SMS are most of what the service sends."""

    name = "sms"

    def __init__(self, *, url: str, token: str | None, timeout: float, connections: int = 16) -> None:
        self._url = url
        self._pool = HttpPool(timeout=timeout, connections=connections,
                              headers={"Authorization": f"Bearer {token}"} if token else {})

    async def send(self, *, to: str, message: Rendered, idempotency_key: str) -> Delivery:
        try:
            async with self._pool.session().post(self._url, json={
                    "to": to, "message": message.sms, "idempotency_key": idempotency_key}) as response:
                await response.read()  # the connection goes back to the pool for the next message
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:  # the outcome is unknown: retry with the same key
            return Delivery("retry", type(exc).__name__)
        if 200 <= status < 300:
            return Delivery("sent")
        if status == 429 or status >= 500:
            return Delivery("retry", f"http {status}")
        return Delivery("permanent", f"http {status}")

    async def close(self) -> None:
        await self._pool.close()
