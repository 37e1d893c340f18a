"""Webhooks: subscribers that cannot run a Kafka consumer hear of case events over HTTPS.

A subscription (a token's subject, within its scope) names an URL, the event types and a region. Each case event
of those types about a case in that region becomes a delivery row, in the transaction that records the event in
the inbox (a redelivered event adds none: the row's id comes from the subscription and the event). The delivery
loop sends, for each subscription and case, the oldest pending row only, so a subscriber gets each case's events
in order; a failure is tried again with backoff, and a subscription whose deliveries have failed without a
success for ``pause_after`` is paused (its owner's contact is told) until the owner resumes it. Every attempt's
outcome is on the row, which the subscriber can list.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from opentelemetry import trace
from slrt_contracts.case_events import CaseRegistered
from slrt_contracts.envelope import CloudEvent
from slrt_contracts.schemas import dataschema
from slrt_contracts.webhooks import http_headers, new_secret
from slrt_shared import metrics
from slrt_shared.access.principal import Principal
from slrt_shared.db import is_postgres, upsert, utc
from slrt_shared.logging import get_logger
from slrt_shared.paging import BadCursor, decode_cursor, encode_cursor
from slrt_shared.telemetry import context_from
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_notification.adapters import tables as t
from slrt_notification.adapters.webhook_client import WebhookClient
from slrt_notification.domain import backoff
from slrt_notification.domain.webhooks import SUBSCRIBABLE, for_role, to_pause, wants

log = get_logger(__name__)
tracer = trace.get_tracer("slrt.notification")
NAMESPACE = uuid.UUID("0c9a7f3e-5b2d-4e8a-9d61-3f4b2a1c8e70")
S, D = t.subscriptions, t.webhook_deliveries


@dataclass(frozen=True)
class WebhookPolicy:
    first_seconds: float = 1.0
    max_seconds: float = 300.0
    pause_after: timedelta = timedelta(days=1)
    timeout_seconds: float = 10.0
    lease_seconds: float = 60.0
    batch: int = 100


@dataclass
class Hooks:
    sessions: async_sessionmaker[AsyncSession]
    policy: WebhookPolicy = field(default_factory=WebhookPolicy)
    client: WebhookClient | None = None  # made by ``run_webhooks`` when not given
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    on_paused: Any = None  # async (subscription row) -> None, after the pause is committed: tell its owner
    #: whether any subscription is not ended (read each round; a new one here at once): when none, case events
    #: that only webhooks would want are not even read
    subscribed: bool = False


class NoSuchSubscription(LookupError):
    """Not the caller's (another subject's, or of a region its scope no longer covers), ended, or none."""


def _public(row: Any) -> dict[str, Any]:
    """A subscription as its owner sees it (never its secret after the first answer)."""
    values = row._mapping if hasattr(row, "_mapping") else row
    return {"id": values["subscription_id"], "url": values["url"], "types": list(values["types"]),
            "region": values["region"], "status": values["status"], "paused_reason": values["paused_reason"],
            "contact_email": values["contact_email"], "created_at": utc(values["created_at"]).isoformat()}


async def subscribe(hooks: Hooks, principal: Principal, *, url: str, types: Sequence[str], region: str,
                    contact_email: str | None) -> dict[str, Any]:
    """A new subscription of the caller; the answer is the only time its secret is shown."""
    now = datetime.now(UTC)
    row = {"subscription_id": str(uuid.uuid4()), "subject": principal.sub, "role": principal.role.value, "url": url,
           "types": sorted(set(types)), "region": region, "secret": new_secret(), "contact_email": contact_email,
           "status": "active", "paused_reason": None, "failing_since": None, "created_at": now, "updated_at": now}
    async with hooks.sessions() as session, session.begin():
        await session.execute(S.insert().values(row))
    hooks.subscribed = True
    log.info("webhook_subscribed", subscription_id=row["subscription_id"], region=region, types=len(row["types"]))
    return {**_public(row), "secret": row["secret"]}


async def _own(session: AsyncSession, principal: Principal, subscription_id: str) -> Any:
    row = (await session.execute(sa.select(S).where(S.c.subscription_id == subscription_id))).first()
    if row is None or row.subject != principal.sub or row.status == "ended" or not principal.covers(row.region):
        raise NoSuchSubscription(subscription_id)
    return row


async def get(hooks: Hooks, principal: Principal, subscription_id: str) -> dict[str, Any]:
    async with hooks.sessions() as session:
        return _public(await _own(session, principal, subscription_id))


async def list_own(hooks: Hooks, principal: Principal) -> dict[str, Any]:
    async with hooks.sessions() as session:
        rows = (await session.execute(sa.select(S).where(S.c.subject == principal.sub, S.c.status != "ended")
                                      .order_by(S.c.created_at, S.c.subscription_id))).all()
    return {"items": [_public(r) for r in rows if principal.covers(r.region)], "next_cursor": None}


async def end(hooks: Hooks, principal: Principal, subscription_id: str) -> dict[str, Any]:
    """End the subscription: nothing more is delivered, what was pending is cancelled."""
    now = datetime.now(UTC)
    async with hooks.sessions() as session, session.begin():
        row = await _own(session, principal, subscription_id)
        await session.execute(S.update().where(S.c.subscription_id == subscription_id)
                              .values(status="ended", updated_at=now))
        await session.execute(D.update().where(D.c.subscription_id == subscription_id, D.c.status == "pending")
                              .values(status="cancelled"))
    log.info("webhook_unsubscribed", subscription_id=subscription_id)
    return {**_public(row), "status": "ended"}


async def resume(hooks: Hooks, principal: Principal, subscription_id: str) -> dict[str, Any]:
    """Deliver again to a paused subscription, from its oldest pending event on."""
    now = datetime.now(UTC)
    async with hooks.sessions() as session, session.begin():
        row = await _own(session, principal, subscription_id)
        await session.execute(S.update().where(S.c.subscription_id == subscription_id).values(
            status="active", paused_reason=None, failing_since=None, updated_at=now))
        await session.execute(D.update().where(D.c.subscription_id == subscription_id, D.c.status == "pending")
                              .values(next_attempt_at=now))
    hooks.wake.set()
    return {**_public(row), "status": "active", "paused_reason": None}


async def deliveries(hooks: Hooks, principal: Principal, subscription_id: str, *, limit: int,
                     cursor: str | None) -> dict[str, Any]:
    """The subscription's deliveries, newest first, with the outcome of each one's last attempt."""
    query = sa.select(D).where(D.c.subscription_id == subscription_id)
    if cursor:
        _, seq = decode_cursor(cursor)
        if not seq.isdigit():
            raise BadCursor(cursor)
        query = query.where(D.c.seq < int(seq))
    async with hooks.sessions() as session:
        await _own(session, principal, subscription_id)
        rows = (await session.execute(query.order_by(D.c.seq.desc()).limit(limit + 1))).all()
    page = rows[:limit]
    items = [{"webhook_id": r.ce_id, "ce_type": r.ce_type, "case_id": r.case_id, "status": r.status,
              "attempts": r.attempts, "last_status": r.last_status, "last_error": r.last_error,
              "created_at": utc(r.created_at).isoformat(),
              "delivered_at": utc(r.delivered_at).isoformat() if r.delivered_at else None} for r in page]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(page[-1].created_at, str(page[-1].seq)) if more else None}


async def plan_webhooks(session: AsyncSession, events: Sequence[CloudEvent]) -> int:
    """The deliveries of a batch of case events, in the batch's transaction; returns how many rows were added."""
    wanted = [e for e in events if e.type in SUBSCRIBABLE and isinstance(e.data.get("case_id"), str)]
    if not wanted:
        return 0
    subscribers = (await session.execute(sa.select(S).where(S.c.status != "ended"))).all()
    if not subscribers:
        return 0
    case_ids = sorted({e.data["case_id"] for e in wanted})
    desa = {r.case_id: r.region_code for r in await session.execute(
        sa.select(t.cases.c.case_id, t.cases.c.region_code).where(t.cases.c.case_id.in_(case_ids)))}
    now = datetime.now(UTC)
    rows = []
    for event in wanted:
        case_id = event.data["case_id"]
        region = event.data.get("region_code") if event.type == CaseRegistered.ce_type else desa.get(case_id)
        for sub in subscribers:
            if not wants(sub.types, sub.region, event.type, region):
                continue
            rows.append({"delivery_id": str(uuid.uuid5(NAMESPACE, f"{sub.subscription_id}|{event.source}|{event.id}")),
                         "subscription_id": sub.subscription_id, "case_id": case_id, "ce_id": event.id,
                         "ce_source": event.source, "ce_type": event.type, "ce_time": event.time,
                         "body": json.dumps(for_role(sub.role, event.data), ensure_ascii=False,
                                            separators=(",", ":")),
                         "traceparent": (event.traceparent or "")[:64] or None, "status": "pending", "attempts": 0,
                         "next_attempt_at": now, "last_status": None, "last_error": None, "created_at": now,
                         "delivered_at": None})
    if rows:
        await session.execute(upsert(session, D).on_conflict_do_nothing(index_elements=["delivery_id"]), rows)
    return len(rows)


@dataclass(frozen=True)
class _Attempt:
    row: Any
    ok: bool
    status: int | None
    error: str | None


async def _claim(hooks: Hooks, now: datetime) -> list[Any]:
    """The head of each subscription's queue per case that is due, leased so no other instance sends it too."""
    earlier = D.alias("earlier")
    query = (sa.select(D, S.c.url, S.c.secret).join(S, S.c.subscription_id == D.c.subscription_id)
             .where(D.c.status == "pending", D.c.next_attempt_at <= now, S.c.status == "active",
                    ~sa.exists().where(earlier.c.subscription_id == D.c.subscription_id,
                                       earlier.c.case_id == D.c.case_id, earlier.c.status == "pending",
                                       earlier.c.seq < D.c.seq))
             .order_by(D.c.seq).limit(hooks.policy.batch))
    async with hooks.sessions() as session, session.begin():
        if is_postgres(session):
            query = query.with_for_update(of=D, skip_locked=True)
        rows = (await session.execute(query)).all()
        if rows:
            await session.execute(D.update().where(D.c.seq.in_([r.seq for r in rows]))
                                  .values(next_attempt_at=now + timedelta(seconds=hooks.policy.lease_seconds)))
    return rows


async def _send(hooks: Hooks, row: Any) -> _Attempt:
    """One delivery, in a span that joins the case's trace (the request's own span is its child)."""
    body = row.body.encode()
    headers = http_headers(secret=row.secret, event_id=row.ce_id, source=row.ce_source, ce_type=row.ce_type,
                           time_=utc(row.ce_time), body=body, dataschema=dataschema(row.ce_type),
                           traceparent=row.traceparent)
    assert hooks.client is not None
    parent = context_from({"traceparent": row.traceparent}) if row.traceparent else None
    with tracer.start_as_current_span("webhook deliver", context=parent, kind=trace.SpanKind.INTERNAL, attributes={
            "slrt.case_id": row.case_id, "slrt.subscription_id": row.subscription_id,
            "cloudevents.event_type": row.ce_type, "slrt.attempt": row.attempts + 1}) as span:
        answer = await hooks.client.post(row.url, body, headers)
        ok = answer.status is not None and 200 <= answer.status < 300
        span.set_attribute("slrt.outcome", "delivered" if ok else "failed")
    error = answer.error if answer.status is None else None if ok else f"HTTP {answer.status}"
    return _Attempt(row, ok, answer.status, error)


async def _record(hooks: Hooks, attempts: list[_Attempt], now: datetime) -> list[Any]:
    """Record the outcomes of a round; returns the subscriptions it paused."""
    delivered = [a.row.seq for a in attempts if a.ok]
    failed = [a for a in attempts if not a.ok]
    paused = []
    async with hooks.sessions() as session, session.begin():
        if delivered:
            await session.execute(
                D.update().where(D.c.seq == sa.bindparam("b_seq"), D.c.status == "pending").values(
                    status="delivered", delivered_at=now, attempts=D.c.attempts + 1, last_error=None,
                    last_status=sa.bindparam("b_status")),
                [{"b_seq": a.row.seq, "b_status": a.status} for a in attempts if a.ok])
            await session.execute(S.update().where(
                S.c.subscription_id.in_(sorted({a.row.subscription_id for a in attempts if a.ok})))
                .values(failing_since=None))
        for a in failed:
            wait = backoff.delay(a.row.attempts + 1, first=hooks.policy.first_seconds, cap=hooks.policy.max_seconds)
            await session.execute(D.update().where(D.c.seq == a.row.seq, D.c.status == "pending").values(
                attempts=D.c.attempts + 1, last_status=a.status, last_error=a.error,
                next_attempt_at=now + timedelta(seconds=wait)))
        failing = sorted({a.row.subscription_id for a in failed} - {a.row.subscription_id for a in attempts if a.ok})
        if failing:
            await session.execute(S.update().where(S.c.subscription_id.in_(failing), S.c.failing_since.is_(None))
                                  .values(failing_since=now))
            for sub in (await session.execute(sa.select(S).where(S.c.subscription_id.in_(failing),
                                                                 S.c.status == "active"))).all():
                if to_pause(utc(sub.failing_since) if sub.failing_since else None, now, hooks.policy.pause_after):
                    await _pause(session, sub, now)
                    paused.append(sub)
    for a in attempts:
        metrics.WEBHOOKS.labels("delivered" if a.ok else "failed").inc()
    return paused


async def _pause(session: AsyncSession, sub: Any, now: datetime) -> None:
    reason = f"deliveries failing since {utc(sub.failing_since).isoformat()}"
    await session.execute(S.update().where(S.c.subscription_id == sub.subscription_id).values(
        status="paused", paused_reason=reason, updated_at=now))
    log.warning("webhook_subscription_paused", subscription_id=sub.subscription_id, reason=reason)


async def deliver_due(hooks: Hooks, now: datetime | None = None) -> int:
    """One round: claim what is due, send it all at once, record every outcome in one transaction."""
    async with hooks.sessions() as session:
        hooks.subscribed = bool(await session.scalar(sa.select(sa.func.count()).where(S.c.status != "ended")))
    if not hooks.subscribed:
        return 0
    claimed = await _claim(hooks, now or datetime.now(UTC))
    if not claimed:
        return 0
    attempts = await asyncio.gather(*(_send(hooks, row) for row in claimed))
    for sub in await _record(hooks, list(attempts), datetime.now(UTC)):
        if hooks.on_paused is not None and sub.contact_email:
            try:
                await hooks.on_paused(sub)
            except Exception as exc:  # telling is best effort; the pause shows on the subscription
                log.warning("webhook_pause_not_told", subscription_id=sub.subscription_id, error=type(exc).__name__)
    return len(claimed)


async def run_webhooks(hooks: Hooks, *, poll_seconds: float) -> None:
    if hooks.client is None:
        hooks.client = WebhookClient(timeout=hooks.policy.timeout_seconds)
    try:
        while True:
            try:
                sent = await deliver_due(hooks)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database away: the rows wait, nothing is lost
                log.warning("webhook_round_failed", error=type(exc).__name__)
                sent = 0
            if sent >= hooks.policy.batch:
                continue
            hooks.wake.clear()
            try:
                await asyncio.wait_for(hooks.wake.wait(), timeout=poll_seconds)
            except TimeoutError:
                pass
    finally:
        await hooks.client.close()


def pause_notice(sub: Any) -> tuple[str, str]:
    """(subject, text) of the e-mail that tells a subscription's contact it was paused (Bahasa Indonesia)."""
    subject = f"SLRT: langganan webhook {sub.subscription_id} dihentikan sementara"
    text = (f"Pengiriman ke {sub.url} gagal terus sejak {utc(sub.failing_since).isoformat()}, sehingga langganan "
            f"{sub.subscription_id} dihentikan sementara. Tidak ada kejadian yang hilang: setelah penerima diperbaiki, "
            f"kirim POST /v1/subscriptions/{sub.subscription_id}/resume dan semua kejadian dikirim berurutan.")
    return subject, text
