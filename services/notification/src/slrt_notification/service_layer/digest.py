"""The daily digest: every supervisor in the directory hears, once a day, which cases in their region are
overdue. Once a day per region even across restarts and instances: the message id is derived from the
region and the local date."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time

import sqlalchemy as sa
from slrt_contracts.envelope import CloudEvent
from slrt_contracts.regions import region_name, time_zone_of
from slrt_shared.db import upsert
from slrt_shared.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_notification.adapters import tables as t
from slrt_notification.service_layer.context import Notifier
from slrt_notification.service_layer.planning import NAMESPACE

log = get_logger(__name__)
SHOWN = 15  # case numbers listed in one digest


async def track_overdue(session: AsyncSession, event: CloudEvent) -> None:
    """Keep the list of overdue cases current from the case events."""
    kind, case_id = event.type, event.data.get("case_id")
    if kind == "id.slrt.case.overdue.v1":
        case = (await session.execute(sa.select(t.cases).where(t.cases.c.case_id == case_id))).first()
        if case is None:
            return
        insert = upsert(session, t.overdue)
        await session.execute(insert.values(case_id=case_id, case_number=case.case_number,
                                            region_code=case.region_code, level=event.data.get("level", ""),
                                            since=event.time).on_conflict_do_nothing())
    elif kind in ("id.slrt.case.resolved.v1", "id.slrt.case.closed.v1", "id.slrt.case.reopened.v1"):
        await session.execute(t.overdue.delete().where(t.overdue.c.case_id == case_id))


async def plan_digests(notifier: Notifier, *, now: datetime, hour: int) -> int:
    """Queue today's digest for every supervisor whose local time has passed ``hour``; return how many."""
    planned = 0
    async with notifier.sessions() as session, session.begin():
        for region, address in notifier.directory.supervisors.items():
            local = now.astimezone(time_zone_of(region))
            if local.timetz().replace(tzinfo=None) < time(hour):
                continue
            numbers = (await session.execute(
                sa.select(t.overdue.c.case_number).where(sa.or_(t.overdue.c.region_code == region,
                                                                t.overdue.c.region_code.like(region + ".%")))
                .order_by(t.overdue.c.since))).scalars().all()
            if not numbers:
                continue
            context = {"case_number": numbers[0], "count": len(numbers), "numbers": ", ".join(numbers[:SHOWN]),
                       "more": max(0, len(numbers) - SHOWN), "region_name": region_name(region) or region,
                       "date": local.date().isoformat()}
            rows = [dict(notification_id=str(uuid.uuid5(NAMESPACE, f"digest|{region}|{local.date()}|{channel}")),
                         case_id=f"digest:{region}", recipient="supervisor", address=to, channel=channel,
                         template="daily_digest", context=context, status="pending", attempts=0,
                         next_attempt_at=now, created_at=now)
                    for channel, to in (("email", address.email), ("sms", address.phone)) if to]
            queued = set((await session.execute(sa.select(t.notifications.c.notification_id).where(
                t.notifications.c.notification_id.in_([r["notification_id"] for r in rows])))).scalars())
            rows = [r for r in rows if r["notification_id"] not in queued]
            if rows:
                insert = upsert(session, t.notifications)
                await session.execute(insert.on_conflict_do_nothing(), rows)  # another instance may race us
                planned += len(rows)
    return planned


async def run_digests(notifier: Notifier, *, hour: int, interval: float, wake: asyncio.Event) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            if await plan_digests(notifier, now=datetime.now(UTC), hour=hour):
                wake.set()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("digest_failed", error=type(exc).__name__)
