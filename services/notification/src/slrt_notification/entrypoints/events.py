"""Notification's subscribers: case events (what to tell) and the restricted contacts topic (whom)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from slrt_shared.contracts import CloudEvent, parse_tolerant
from slrt_shared.contracts.case_events import CaseErased
from slrt_shared.contracts.contacts import CaseContacts
from slrt_shared.db import upsert
from slrt_shared.inbox import first_delivery

from slrt_notification.adapters import tables as t
from slrt_notification.service_layer.context import Notifier
from slrt_notification.service_layer.digest import track_overdue
from slrt_notification.service_layer.erasure import forget_citizen
from slrt_notification.service_layer.planning import plan_notifications, read_event

EVENTS_CONSUMER = "notification-case-events"
CONTACTS_CONSUMER = "notification-contacts"


def case_events_handler(notifier: Notifier, delivery_wake: asyncio.Event) -> Callable[[CloudEvent], Awaitable[None]]:
    async def handle(event: CloudEvent) -> None:
        if event.type == CaseErased.ce_type:
            erased = parse_tolerant(CaseErased, event.data)
            async with notifier.sessions() as session, session.begin():
                if await first_delivery(session, t.inbox, EVENTS_CONSUMER, event):
                    await forget_citizen(session, erased.case_id, contents=True)
            return
        data = read_event(notifier, event)  # invalid data: ValidationError, straight to the dead letters
        if data is None:
            return
        async with notifier.sessions() as session, session.begin():
            if not await first_delivery(session, t.inbox, EVENTS_CONSUMER, event):
                return
            planned = await plan_notifications(notifier, session, event, data)
            await track_overdue(session, event)
        if planned:
            delivery_wake.set()

    return handle


def contacts_handlers(
    notifier: Notifier, delivery_wake: asyncio.Event,
) -> tuple[Callable[[CloudEvent], Awaitable[None]], Callable[[str], Awaitable[None]]]:
    async def handle(event: CloudEvent) -> None:
        contacts = parse_tolerant(CaseContacts, event.data)
        async with notifier.sessions() as session, session.begin():
            if not await first_delivery(session, t.inbox, CONTACTS_CONSUMER, event):
                return
            insert = upsert(session, t.contacts)
            # the name is not kept: no message uses it (data minimisation; an SMS never carries a full name)
            values = dict(case_id=contacts.case_id, case_number=contacts.case_number, name="",
                          phone=contacts.phone, email=contacts.email, language=contacts.language.value,
                          updated_at=datetime.now(UTC))
            await session.execute(insert.values(**values).on_conflict_do_update(
                index_elements=["case_id"], set_={k: v for k, v in values.items() if k != "case_id"}))
        delivery_wake.set()

    async def erase(case_id: str) -> None:
        """A tombstone: the case's personal data is erased; its undelivered citizen notifications are dropped."""
        async with notifier.sessions() as session, session.begin():
            await forget_citizen(session, case_id, contents=False)

    return handle, erase
