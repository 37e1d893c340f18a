"""Webhook deliveries: CloudEvents 1.0 in HTTP binary mode, signed per the Standard Webhooks specification.

A delivery is ``POST <url>`` with the event's data as the JSON body and its attributes as ``ce-*`` headers
(``ce-specversion``, ``ce-id``, ``ce-source``, ``ce-type``, ``ce-time``, ``ce-dataschema``), ``traceparent``,
and the three Standard Webhooks headers: ``webhook-id`` (the event's ``ce_id``, the same on every retry: the
receiver's deduplication key), ``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">``, keyed by the base64 bytes after the
subscription secret's ``whsec_``). A receiver checks it with ``verify`` and answers 2xx once it has the event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from datetime import datetime

from slrt_contracts.envelope import SPECVERSION, CloudEvent

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret
TOLERANCE_SECONDS = 300
_CE_ATTRIBUTES = ("id", "source", "type", "time", "dataschema")


class WebhookVerificationError(ValueError):
    """The delivery is not signed by the subscription's secret, or is too old or too new to trust."""


def new_secret() -> str:
    """A subscription's signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` of a body."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> None:
    """Raise ``WebhookVerificationError`` unless ``body`` with these headers was signed by ``secret`` within
    ``tolerance`` seconds of ``now``. ``headers`` as received (any case)."""
    lower = {k.lower(): v for k, v in headers.items()}
    webhook_id, stamp, signatures = (lower.get(n) for n in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not webhook_id or not stamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too far from now")
    expected = signature(secret, webhook_id, timestamp, body).split(",", 1)[1]
    given = [s.split(",", 1)[1] for s in signatures.split() if s.startswith("v1,")]
    if not any(hmac.compare_digest(expected, s) for s in given):
        raise WebhookVerificationError("no valid signature")


def http_headers(*, secret: str, event_id: str, source: str, ce_type: str, time_: datetime, body: bytes,
                 dataschema: str | None = None, traceparent: str | None = None,
                 timestamp: int | None = None) -> dict[str, str]:
    """The headers of a signed delivery of ``body`` (the event's data as JSON)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    headers = {"content-type": "application/json", "ce-specversion": SPECVERSION, "ce-id": event_id,
               "ce-source": source, "ce-type": ce_type, "ce-time": time_.isoformat(),
               "webhook-id": event_id, "webhook-timestamp": str(stamp),
               "webhook-signature": signature(secret, event_id, stamp, body)}
    if dataschema:
        headers["ce-dataschema"] = dataschema
    if traceparent:
        headers["traceparent"] = traceparent
    return headers


def to_http(event: CloudEvent, *, secret: str, timestamp: int | None = None,
            dataschema: str | None = None) -> tuple[dict[str, str], bytes]:
    """The headers and body of a signed delivery of ``event``."""
    body = json.dumps(event.data, ensure_ascii=False, separators=(",", ":")).encode()
    return http_headers(secret=secret, event_id=event.id, source=event.source, ce_type=event.type,
                        time_=event.time, body=body, dataschema=dataschema, traceparent=event.traceparent,
                        timestamp=timestamp), body


def from_http(headers: Mapping[str, str], body: bytes, *, secret: str, now: float | None = None) -> CloudEvent:
    """The event of a delivery, once its signature is verified (``WebhookVerificationError`` if not)."""
    verify(secret, headers, body, now=now)
    lower = {k.lower(): v for k, v in headers.items()}
    attributes = {name: lower.get(f"ce-{name}") for name in _CE_ATTRIBUTES}
    if not attributes["id"] or not attributes["source"] or not attributes["type"] or not attributes["time"]:
        raise WebhookVerificationError("missing ce-id, ce-source, ce-type or ce-time")
    data = json.loads(body)
    return CloudEvent(id=attributes["id"], source=attributes["source"], type=attributes["type"],
                      time=datetime.fromisoformat(attributes["time"]), data=data, key=data.get("case_id"),
                      traceparent=lower.get("traceparent"))
