"""Notification's subscribers: case events (what to tell) and the restricted contacts topic (whom)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from slrt_contracts import CloudEvent, parse_tolerant
from slrt_contracts.case_events import CaseErased
from slrt_contracts.contacts import CaseContacts
from slrt_contracts.registry import model_for
from slrt_shared.db import upsert
from slrt_shared.inbox import first_deliveries_of

from slrt_notification.adapters import tables as t
from slrt_notification.domain.webhooks import SUBSCRIBABLE
from slrt_notification.service_layer.context import Notifier
from slrt_notification.service_layer.digest import track_overdue
from slrt_notification.service_layer.erasure import forget_citizen
from slrt_notification.service_layer.planning import plan_notifications, read_event
from slrt_notification.service_layer.webhooks import Hooks, plan_webhooks

EVENTS_CONSUMER = "notification-case-events"
CONTACTS_CONSUMER = "notification-contacts"


def case_events_handler(
    notifier: Notifier, delivery_wake: asyncio.Event, hooks: Hooks | None = None,
) -> Callable[[list[CloudEvent]], Awaitable[None]]:
    """A batch in one transaction, in order; the events between erasures planned together; and, with
    ``hooks``, the webhook deliveries of the batch's events."""

    async def handle(events: list[CloudEvent]) -> None:
        read: list[tuple[CloudEvent, Any]] = []
        for event in events:  # invalid data: ValidationError, and the batch is taken one by one to dead-letter it
            if event.type == CaseErased.ce_type:
                read.append((event, parse_tolerant(CaseErased, event.data)))
            elif (data := read_event(notifier, event)) is not None:
                read.append((event, data))
            elif hooks is not None and hooks.subscribed and event.type in SUBSCRIBABLE:
                read.append((event, parse_tolerant(model_for(event.type), event.data).model_dump(mode="json")))
        if not read:
            return
        planned = hooked = 0
        async with notifier.sessions() as session, session.begin():
            fresh = await first_deliveries_of(session, t.inbox, EVENTS_CONSUMER, read)
            for erasures, run in groupby(fresh, key=lambda pair: isinstance(pair[1], CaseErased)):
                if erasures:
                    for _, erased in run:
                        await forget_citizen(session, erased.case_id, contents=True)
                    continue
                run = list(run)
                planned += await plan_notifications(notifier, session, run)
                for event, _ in run:
                    await track_overdue(session, event)
            if hooks is not None:
                hooked = await plan_webhooks(session, [event for event, _ in fresh])
        if planned:
            delivery_wake.set()
        if hooked and hooks is not None:
            hooks.wake.set()

    return handle


def contacts_handlers(
    notifier: Notifier, delivery_wake: asyncio.Event,
) -> tuple[Callable[[list[CloudEvent]], Awaitable[None]], Callable[[str], Awaitable[None]]]:
    """(a batch, a tombstone's erasure) of the contacts topic."""

    async def handle(events: list[CloudEvent]) -> None:
        read = [(event, parse_tolerant(CaseContacts, event.data)) for event in events]
        async with notifier.sessions() as session, session.begin():
            now = datetime.now(UTC)
            # the name is not kept: no message uses it (data minimisation; an SMS never carries a full name)
            latest = {c.case_id: dict(case_id=c.case_id, case_number=c.case_number, name="", phone=c.phone,
                                      email=c.email, language=c.language.value, updated_at=now)
                      for _, c in await first_deliveries_of(session, t.inbox, CONTACTS_CONSUMER, read)}
            # a case's later record of the batch wins
            if latest:
                insert = upsert(session, t.contacts)
                await session.execute(insert.on_conflict_do_update(
                    index_elements=["case_id"],
                    set_={k: insert.excluded[k] for k in next(iter(latest.values())) if k != "case_id"}),
                    list(latest.values()))
        delivery_wake.set()

    async def erase(case_id: str) -> None:
        """A tombstone: the case's personal data is erased; its undelivered citizen notifications are dropped."""
        async with notifier.sessions() as session, session.begin():
            await forget_citizen(session, case_id, contents=False)

    return handle, erase
