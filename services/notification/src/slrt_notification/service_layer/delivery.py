"""Deliver due notifications: claim with a lease, send outside the transaction, record the outcome.

pending -> sent / failed / skipped. A row is claimed by pushing its ``next_attempt_at`` past a lease
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so instances never claim the same row). A crash after sending but
before recording leaves the row to be sent again when the lease runs out, with the same idempotency key and
Message-ID (the contract's "outcome unknown"). Failures are retried with exponential backoff and jitter, each
row on its own clock, so a failing message never holds up the others; permanent refusals and exhausted
retries end in ``notification.failed``. Rate-limit tokens are taken before claiming: a claimed row is sent
at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from jinja2 import TemplateError
from opentelemetry import trace
from slrt_contracts.envelope import to_kafka
from slrt_contracts.notification_events import NotificationFailed, NotificationSent
from slrt_shared import metrics, spans
from slrt_shared.db import is_postgres
from slrt_shared.logging import get_logger
from slrt_shared.outbox import add_to_outbox
from slrt_shared.telemetry import context_from, trace_headers_of

from slrt_notification.adapters import tables as t
from slrt_notification.adapters.channels import Delivery
from slrt_notification.domain import backoff
from slrt_notification.domain.rules import CHANNELS
from slrt_notification.service_layer.context import SOURCE, Notifier

log = get_logger(__name__)
tracer = trace.get_tracer("slrt.notification")


@dataclass(frozen=True)
class Claimed:
    row: Any
    to: str | None
    language: str

    @property
    def attempt(self) -> int:
        return int(self.row.attempts) + 1


async def _claim(notifier: Notifier, channel: str, now: datetime, limit: int) -> list[Claimed]:
    n, c = t.notifications, t.contacts
    async with notifier.sessions() as session, session.begin():
        query = (sa.select(n, c.c.phone, c.c.email, c.c.language)
                 .select_from(n.outerjoin(c, c.c.case_id == n.c.case_id))
                 .where(n.c.status == "pending", n.c.channel == channel, n.c.next_attempt_at <= now,
                        sa.or_(n.c.recipient != "citizen", c.c.case_id.is_not(None)))  # citizens: contacts known
                 .order_by(n.c.next_attempt_at).limit(limit))
        if is_postgres(session):
            query = query.with_for_update(of=n, skip_locked=True)
        rows = (await session.execute(query)).all()
        if rows:
            lease = now + timedelta(seconds=notifier.retry.lease_seconds)
            await session.execute(n.update().where(n.c.notification_id.in_([r.notification_id for r in rows]))
                                  .values(next_attempt_at=lease, attempts=n.c.attempts + 1))
    return [Claimed(row=r, to=r.address if r.recipient != "citizen" else (r.phone if channel == "sms" else r.email),
                    language=(r.language or "id") if r.recipient == "citizen" else "id") for r in rows]


async def claim_due(notifier: Notifier, now: datetime, limit: int) -> list[Claimed]:
    """Due rows of every channel, no more per channel than its rate limit allows now."""
    claimed: list[Claimed] = []
    for channel in CHANNELS:
        bucket = notifier.limits.get(channel) if channel in notifier.channels else None
        budget = bucket.reserve(limit) if bucket is not None else limit  # unconfigured channels are only skipped
        if budget:
            got = await _claim(notifier, channel, now, budget)
            if bucket is not None:
                bucket.refund(budget - len(got))
            claimed += got
    return claimed


def _unsendable(notifier: Notifier, item: Claimed) -> Delivery | None:
    """Why the row cannot be sent at all (its channel is not configured, or there is no address), if so: then
    it is skipped, however often it was claimed before, since nothing can have gone out."""
    if notifier.channels.get(item.row.channel) is None:
        return Delivery("skipped", f"{item.row.channel} is not configured")
    if not item.to:
        return Delivery("skipped", f"no {item.row.channel} address")
    return None


async def _send(notifier: Notifier, item: Claimed) -> Delivery:
    channel = notifier.channels[item.row.channel]
    try:
        message = notifier.templates.render(item.row.template, item.language, item.row.context or {},
                                            channel=item.row.channel)
    except (KeyError, TemplateError) as exc:  # the rules or templates changed since the row was planned
        return Delivery("permanent", f"template {item.row.template} cannot be rendered ({type(exc).__name__})")
    return await channel.send(to=item.to, message=message, idempotency_key=item.row.notification_id)


def _final(notifier: Notifier, item: Claimed, result: Delivery) -> tuple[str, str | None] | None:
    """(status, reason) of a row that is done; None for one to try again."""
    if result.outcome == "retry" and item.attempt < notifier.retry.attempts:
        return None
    status = {"sent": "sent", "skipped": "skipped"}.get(result.outcome, "failed")
    reason = result.reason if status != "sent" else None
    if status == "failed" and result.outcome == "retry":
        reason = f"retries exhausted ({result.reason})"
    return status, reason


async def _record(notifier: Notifier, outcomes: list[tuple[Claimed, Delivery]], now: datetime) -> None:
    """Record the outcomes of a round of deliveries in one transaction: retries on their own clocks, and
    finished rows with their ``notification.sent``/``failed`` events. A row recorded already (another instance
    claimed it after its lease ran out and finished first) is not recorded again."""
    n = t.notifications
    retries, finals = [], {}
    for item, result in outcomes:
        final = _final(notifier, item, result)
        if final is None:
            wait = backoff.delay(item.attempt, first=notifier.retry.first_seconds, cap=notifier.retry.max_seconds)
            retries.append({"_id": item.row.notification_id, "_next": now + timedelta(seconds=wait),
                            "_error": result.reason})
            log.info("notification_retry", notification_id=item.row.notification_id, channel=item.row.channel,
                     case_id=item.row.case_id, attempts=item.attempt, reason=result.reason, retry_in=round(wait, 2))
        else:
            finals.setdefault(final, []).append(item)
    records, done = [], []
    async with notifier.sessions() as session, session.begin():
        if retries:
            await session.execute(n.update().where(n.c.notification_id == sa.bindparam("_id"), n.c.status == "pending")
                                  .values(next_attempt_at=sa.bindparam("_next"), last_error=sa.bindparam("_error")),
                                  retries)
        for (status, reason), items in finals.items():
            by_id = {i.row.notification_id: i for i in items}
            changed = (await session.execute(n.update().where(n.c.notification_id.in_(sorted(by_id)),
                                                              n.c.status == "pending")
                                             .values(status=status, finished_at=now, last_error=reason)
                                             .returning(n.c.notification_id))).scalars().all()
            for notification_id in sorted(changed):
                row = by_id[notification_id].row
                done.append((by_id[notification_id], status, reason))
                if status == "skipped" or row.case_id.startswith("digest:"):
                    continue
                kind = NotificationSent if status == "sent" else NotificationFailed
                event = kind(case_id=row.case_id, notification_id=row.notification_id, channel=row.channel,
                             template=row.template, attempts=by_id[notification_id].attempt,
                             recipient=row.recipient, reason=reason)
                records.append(to_kafka(event, topic=notifier.topics.notification_events, source=SOURCE,
                                        key=row.case_id, event_id=f"{row.notification_id}-{status}",
                                        trace_headers=trace_headers_of(row.traceparent)))
        await add_to_outbox(session, t.outbox, records)
    for item, result in outcomes:
        if _final(notifier, item, result) is None:
            metrics.NOTIFICATIONS.labels(item.row.channel, "retry").inc()
    for item, status, reason in done:
        notifier.outcomes[status] += 1
        metrics.NOTIFICATIONS.labels(item.row.channel, status).inc()
        log.info("notification_" + status, notification_id=item.row.notification_id, channel=item.row.channel,
                 case_id=item.row.case_id, recipient=item.row.recipient, template=item.row.template,
                 attempts=item.attempt, reason=reason, trace_id=spans.trace_id_of(item.row.traceparent))


async def attempt(notifier: Notifier, item: Claimed) -> Delivery:
    """Send one claimed notification, in a span that joins the case's trace; its outcome, not yet recorded."""
    parent = context_from({"traceparent": item.row.traceparent}) if item.row.traceparent else None
    attributes = {"slrt.case_id": item.row.case_id, "slrt.notification_id": item.row.notification_id,
                  "slrt.channel": item.row.channel,
                  "slrt.template": item.row.template, "slrt.recipient": item.row.recipient,
                  "slrt.attempt": item.attempt}
    with tracer.start_as_current_span("notification deliver", context=parent, kind=trace.SpanKind.INTERNAL,
                                      attributes=attributes) as span:
        if skipped := _unsendable(notifier, item):
            result = skipped
        elif item.attempt > notifier.retry.attempts:  # claimed that often and never recorded: crashes every time
            result = Delivery("permanent", f"no outcome recorded after {item.attempt - 1} attempts")
        else:
            try:  # well within the lease, so the outcome is recorded before another instance may claim the row
                result = await asyncio.wait_for(_send(notifier, item), timeout=notifier.retry.lease_seconds / 2)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a timeout or a fault in a channel: the outcome is unknown, same key again
                result = Delivery("retry", type(exc).__name__)
        span.set_attribute("slrt.outcome", result.outcome)
        return result


async def deliver_due(notifier: Notifier, *, now: datetime | None = None) -> int:
    """Claim what is due, send it all at once, record every outcome in one transaction. If recording fails,
    the rows stay claimed and are sent again, with the same key, when their lease runs out."""
    claimed = await claim_due(notifier, now or datetime.now(UTC), notifier.concurrency)
    results = await asyncio.gather(*(attempt(notifier, item) for item in claimed), return_exceptions=True)
    outcomes = [(item, r if isinstance(r, Delivery) else Delivery("retry", type(r).__name__))
                for item, r in zip(claimed, results, strict=True)]
    if outcomes:
        try:
            await _record(notifier, outcomes, datetime.now(UTC))
        except Exception as exc:
            log.warning("delivery_not_recorded", error=type(exc).__name__, count=len(outcomes))
        notifier.woke()
    return len(claimed)


async def skip_unreachable(notifier: Notifier, *, now: datetime) -> int:
    """Citizens' notifications still waiting for contacts after the wait (none were published, or they were
    erased before the event came) are skipped, so nothing waits for ever."""
    n, c = t.notifications, t.contacts
    cutoff = now - timedelta(seconds=notifier.contacts_wait_seconds)
    async with notifier.sessions() as session, session.begin():
        done = await session.execute(n.update().where(
            n.c.status == "pending", n.c.recipient == "citizen", n.c.created_at < cutoff,
            ~sa.exists().where(c.c.case_id == n.c.case_id)).values(
            status="skipped", finished_at=now, last_error="no contacts for the case"))
    return int(done.rowcount or 0)


async def run_deliveries(notifier: Notifier, *, poll_seconds: float, wake: asyncio.Event,
                         sweep_seconds: float = 60.0) -> None:
    swept = datetime.min.replace(tzinfo=UTC)
    while True:
        try:
            now = datetime.now(UTC)
            if (now - swept).total_seconds() >= sweep_seconds:
                swept = now
                if skipped := await skip_unreachable(notifier, now=now):
                    log.info("notifications_skipped", count=skipped, reason="no contacts for the case")
            n = await deliver_due(notifier)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("delivery_failed", error=type(exc).__name__)
            n = 0
        if n:
            continue
        wake.clear()
        try:
            await asyncio.wait_for(wake.wait(), timeout=poll_seconds)
        except TimeoutError:
            pass
