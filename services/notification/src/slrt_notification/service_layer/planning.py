"""Turn case events into notifications to deliver (rows), in the transaction that records the event in the
inbox.

The notification id is derived from the triggering event, the recipient and the channel: it is the SMS
gateway's idempotency key and the e-mail's Message-ID, and a redelivered event finds its rows already there
and adds none. Citizens' addresses are not copied here: they are read from the contacts at sending time.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from slrt_contracts import parse_tolerant
from slrt_contracts.case_events import CaseRegistered
from slrt_contracts.codes import Level
from slrt_contracts.envelope import CloudEvent
from slrt_contracts.regions import region_name, time_zone_of
from slrt_contracts.registry import model_for
from slrt_shared.db import upsert
from slrt_shared.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_notification.adapters import tables as t
from slrt_notification.adapters.directory import Address, supervising_regions
from slrt_notification.domain.rules import Notice
from slrt_notification.service_layer.context import Notifier

log = get_logger(__name__)
NAMESPACE = uuid.UUID("6f1d9a52-3c1e-4b8e-9a55-0d2f7c5e4b11")
#: events that change the list of overdue cases of the daily digest
OVERDUE_TRACKING = frozenset({"id.slrt.case.overdue.v1", "id.slrt.case.resolved.v1", "id.slrt.case.closed.v1",
                              "id.slrt.case.reopened.v1"})


def notification_id(event: CloudEvent, recipient: str, channel: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{event.source}|{event.id}|{recipient}|{channel}"))


def read_event(notifier: Notifier, event: CloudEvent) -> dict[str, Any] | None:
    """The event's data, checked against its contract model; None for events notification does not act on.
    Invalid data raises ``ValidationError``: the event goes to the dead letters at once."""
    wanted = event.type == CaseRegistered.ce_type or event.type in OVERDUE_TRACKING or \
        bool(notifier.rules.notices_for(event.type))
    model = model_for(event.type)
    if not wanted or model is None:
        return None
    return parse_tolerant(model, event.data).model_dump(mode="json")


async def remember_cases(session: AsyncSession, registered: list[dict[str, Any]]) -> None:
    rows = {d["case_id"]: {"case_id": d["case_id"], "case_number": d["case_number"], "region_code": d["region_code"]}
            for d in registered}
    if rows:
        await session.execute(upsert(session, t.cases).on_conflict_do_nothing(), list(rows.values()))


async def plan_notifications(notifier: Notifier, session: AsyncSession,
                             events: list[tuple[CloudEvent, dict[str, Any]]]) -> int:
    """Plan the notifications of a batch of events (each with its checked data), with a few statements for
    the batch; returns how many rows were planned (a redelivered event finds its rows there and adds none)."""
    await remember_cases(session, [data for event, data in events if event.type == CaseRegistered.ce_type])
    noticed = [(event, data, notices) for event, data in events if (notices := notifier.rules.notices_for(event.type))]
    if not noticed:
        return 0
    case_ids = sorted({data["case_id"] for _, data, _ in noticed})
    cases = {row.case_id: row for row in await session.execute(
        sa.select(t.cases).where(t.cases.c.case_id.in_(case_ids)))}
    now = datetime.now(UTC)
    rows = []
    for event, data, notices in noticed:
        case = cases.get(data["case_id"])
        context = _context(data, case, notifier.status_url)
        rows += [dict(notification_id=notification_id(event, notice.recipient, channel), case_id=data["case_id"],
                      recipient=notice.recipient, address=address, channel=channel, template=notice.template,
                      context=context, status="pending", attempts=0, next_attempt_at=now, created_at=now,
                      traceparent=(event.traceparent or "")[:64] or None)
                 for notice in notices for channel, address in _addresses(notifier, notice, data, case)]
    if rows:
        await session.execute(upsert(session, t.notifications).on_conflict_do_nothing(), rows)
    return len(rows)


def _local_time(value: str | None, region_code: str) -> str:
    """An ISO time as the case's people read it: in the desa's time zone (WIB, WITA or WIT)."""
    if not value:
        return ""
    at = datetime.fromisoformat(value)
    zone = time_zone_of(region_code) if region_code else UTC
    return at.astimezone(zone).strftime("%d-%m-%Y %H:%M %Z")


def _context(data: dict[str, Any], case: Any, status_url: str) -> dict[str, Any]:
    region = case.region_code if case else ""
    return {
        "status_url": status_url,
        "case_number": data.get("case_number") or (case.case_number if case else data["case_id"]),
        "region_code": region, "region_name": (region_name(region) or region) if region else "",
        "programme": data.get("programme") or "", "owner_name": data.get("owner_name") or data.get("owner_id") or "",
        "reason_code": data.get("reason_code"),  # its words are rendered in the recipient's language
        "escalation": data.get("reason") if data.get("to_level") else "",
        "from_level": data.get("from_level") or "", "to_level": data.get("to_level") or "",
        "level": data.get("level") or "", "due": _local_time(data.get("due_at") or data.get("deadline"), region),
    }


def _addresses(notifier: Notifier, notice: Notice, data: dict[str, Any], case: Any) -> list[tuple[str, str | None]]:
    if notice.recipient == "citizen":
        return [(c, None) for c in notice.channels]  # addresses come from the contacts topic at sending time
    found: Address | None = None
    if notice.recipient == "officer":
        found = notifier.directory.officer(data.get("owner_id") or "")
    elif case is not None:
        level = Level(data.get("to_level") or data.get("level") or Level.KABUPATEN.value)
        found = notifier.directory.first_supervisor(supervising_regions(case.region_code, level))
    if found is None:
        log.info("no_directory_entry", recipient=notice.recipient, template=notice.template,
                 owner_id=data.get("owner_id"))
        return []
    by_channel = {"sms": found.phone, "email": found.email}
    return [(c, by_channel[c]) for c in notice.channels if by_channel[c]]
