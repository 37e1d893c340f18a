"""Webhook subscriptions, decided without I/O: which URLs may be subscribed, which events a subscription gets,
what an analyst's deliveries leave out, and when a failing subscription is paused."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from slrt_contracts import regions
from slrt_contracts.registry import EVENT_TYPES
from slrt_contracts.topics import CASE_EVENTS

#: What may be subscribed: the types of ``slrt.case.events`` (no personal data on them by construction).
SUBSCRIBABLE = frozenset(t for t, model in EVENT_TYPES.items() if getattr(model, "topic", None) == CASE_EVENTS)
#: An analyst's deliveries leave these out: the pseudonym, the household, the PPKS (sensitive ones among them)
#: and any free text.
NOT_FOR_ANALYSTS = frozenset({"citizen_ref", "household", "ppks", "reason", "note", "description"})
LOOPBACK_NAMES = frozenset({"localhost"})


class UnsubscribableUrl(ValueError):
    pass


def check_url(url: str) -> str:
    """``url`` if it may receive deliveries: HTTPS anywhere, plain HTTP only to this machine (development)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsubscribableUrl("an absolute http(s) URL")
    if parts.username or parts.password:
        raise UnsubscribableUrl("no credentials in the URL (the signature authenticates deliveries)")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise UnsubscribableUrl("HTTPS; plain HTTP only to a loopback address, for development")
    return url


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def wants(types: Iterable[str], region: str, ce_type: str, case_region: str | None) -> bool:
    """Whether a subscription to ``types`` in ``region`` gets an event of this type about a case of this desa."""
    return ce_type in set(types) and case_region is not None and regions.contains(region, case_region)


def for_role(role: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The event's data as a subscriber of this role receives it."""
    if role == "analyst":
        return {k: v for k, v in data.items() if k not in NOT_FOR_ANALYSTS}
    return dict(data)


def to_pause(failing_since: datetime | None, now: datetime, pause_after: timedelta) -> bool:
    """A subscription whose deliveries have failed without a success since ``failing_since`` is paused once that
    is ``pause_after`` ago."""
    return failing_since is not None and now - failing_since >= pause_after
