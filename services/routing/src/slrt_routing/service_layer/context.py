"""What routing's use cases need, passed explicitly: sessions, rules, deadlines, topics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from slrt_contracts.base import EventData
from slrt_contracts.codes import Level
from slrt_contracts.envelope import to_kafka
from slrt_contracts.regions import time_zone_of
from slrt_contracts.topics import Topics
from slrt_shared.outbox import add_to_outbox
from slrt_shared.telemetry import current_trace_headers, trace_headers_of
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_routing.adapters import tables as t
from slrt_routing.domain import calendar
from slrt_routing.domain.rules import RuleBook

SOURCE = "/slrt/routing"


@dataclass(frozen=True)
class SlaPolicy:
    """Deadlines in working days in the desa's time zone, or in seconds in drill mode."""

    ladder: dict[Level, int]
    override_seconds: float | None = None

    def working_days(self, days: int, start: datetime, region_code: str) -> datetime:
        if self.override_seconds:
            return (start + timedelta(seconds=self.override_seconds)).astimezone(UTC)
        return calendar.deadline_after(start, days, time_zone_of(region_code)).astimezone(UTC)

    def case_deadline(self, level: Level, start: datetime, region_code: str) -> datetime:
        return self.working_days(self.ladder[level], start, region_code)


@dataclass
class Routing:
    sessions: async_sessionmaker[AsyncSession]
    rules: RuleBook
    sla: SlaPolicy
    topics: Topics
    close_after: timedelta
    wake: Any = None

    async def publish(self, session: AsyncSession, case_id: str, *events: EventData) -> None:
        await self.publish_all(session, [(case_id, e) for e in events])

    async def publish_all(self, session: AsyncSession, events: list[tuple[str, EventData]], *,
                          traces: dict[str, str] | None = None) -> None:
        """Events of several cases, ``(case_id, event)`` in the order each case's subscribers see them; a case
        in ``traces`` (its ``traceparent``) goes on in that trace, the others in the current one."""
        traces = traces or {}
        await add_to_outbox(session, t.outbox, [
            to_kafka(e, topic=self.topics.case_events, source=SOURCE, key=case_id,
                     trace_headers=trace_headers_of(traces.get(case_id)))
            for case_id, e in events
        ])

    def woke(self) -> None:
        if self.wake is not None:
            self.wake()


async def locked_case(session: AsyncSession, case_id: str) -> Any:
    """The case row, locked for this transaction (PostgreSQL; SQLite serialises writers anyway)."""
    return (await session.execute(sa.select(t.cases).where(t.cases.c.case_id == case_id).with_for_update())).first()


async def set_timer(session: AsyncSession, case_id: str, kind: str, due_at: datetime) -> None:
    """Set the case's timer of ``kind``; its firing goes on in the current trace."""
    values = {"due_at": due_at, "traceparent": current_trace_headers().get("traceparent")}
    updated = await session.execute(
        t.timers.update().where(t.timers.c.case_id == case_id, t.timers.c.kind == kind).values(values))
    if updated.rowcount == 0:
        await session.execute(t.timers.insert().values(case_id=case_id, kind=kind, **values))


async def clear_timer(session: AsyncSession, case_id: str, kind: str) -> None:
    await session.execute(t.timers.delete().where(t.timers.c.case_id == case_id, t.timers.c.kind == kind))
