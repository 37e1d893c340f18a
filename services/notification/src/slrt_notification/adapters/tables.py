"""Notification's tables: contacts from the restricted topic, and one row per notification to deliver."""

from __future__ import annotations

import sqlalchemy as sa
from slrt_shared.audit import define_audit
from slrt_shared.db import BigId
from slrt_shared.inbox import define_inbox
from slrt_shared.outbox import define_outbox

metadata = sa.MetaData()


def contact_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("case_id", sa.String(40), primary_key=True),
        sa.Column("case_number", sa.String(32)),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("email", sa.String(254)),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def case_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """What notification needs to know of a case to word its messages: no personal data."""
    return [
        sa.Column("case_id", sa.String(40), primary_key=True),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(13), nullable=False),
    ]


def overdue_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """Cases reported overdue and not resolved since: what the daily digest lists."""
    return [
        sa.Column("case_id", sa.String(40), primary_key=True),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(13), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    ]


def notification_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("notification_id", sa.String(40), primary_key=True,
                  comment="derived from the triggering event, the recipient and the channel: the idempotency key"),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(16), nullable=False, comment="citizen | officer | supervisor"),
        sa.Column("address", sa.String(254), comment="officers only; citizens' addresses come from contacts"),
        sa.Column("channel", sa.String(8), nullable=False, comment="sms | email"),
        sa.Column("template", sa.String(40), nullable=False),
        sa.Column("context", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="pending | sent | failed | skipped"),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    ]


contacts = sa.Table("contacts", metadata, *contact_columns())
cases = sa.Table("cases", metadata, *case_columns())
overdue = sa.Table("overdue", metadata, *overdue_columns(), sa.Index("ix_overdue_region", "region_code"))
def trace_column() -> sa.Column:  # type: ignore[type-arg]
    """Added by migration 0003: the triggering event's trace, so a delivery joins the case's trace."""
    return sa.Column("traceparent", sa.String(64))


notifications = sa.Table("notifications", metadata, *notification_columns(), trace_column(),
                         sa.Index("ix_notifications_due", "status", "next_attempt_at"),
                         sa.Index("ix_notifications_case", "case_id"))


def subscription_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """Webhook subscribers (migration 0007): who subscribed (a token's subject, role and scope), where to, to what."""
    return [
        sa.Column("subscription_id", sa.String(40), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("types", sa.JSON, nullable=False),
        sa.Column("region", sa.String(13), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False, comment="whsec_...: signs the deliveries"),
        sa.Column("contact_email", sa.String(254), comment="told when the subscription is paused"),
        sa.Column("status", sa.String(8), nullable=False, comment="active | paused | ended"),
        sa.Column("paused_reason", sa.String(200)),
        sa.Column("failing_since", sa.DateTime(timezone=True), comment="the first failure since the last success"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def webhook_delivery_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """One row per event per subscription, delivered in ``seq`` order per case (migration 0007)."""
    return [
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.String(40), nullable=False, unique=True,
                  comment="derived from the subscription and the event: a redelivered event adds no row"),
        sa.Column("subscription_id", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("ce_id", sa.String(200), nullable=False),
        sa.Column("ce_source", sa.String(200), nullable=False),
        sa.Column("ce_type", sa.String(100), nullable=False),
        sa.Column("ce_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text, nullable=False, comment="the event's data as this subscriber receives it"),
        sa.Column("traceparent", sa.String(64)),
        sa.Column("status", sa.String(12), nullable=False, comment="pending | delivered | cancelled"),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.Integer, comment="the receiver's HTTP status of the last attempt"),
        sa.Column("last_error", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
    ]


subscriptions = sa.Table("subscriptions", metadata, *subscription_columns(),
                         sa.Index("ix_subscriptions_subject", "subject"))
webhook_deliveries = sa.Table("webhook_deliveries", metadata, *webhook_delivery_columns(),
                              sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
                              sa.Index("ix_webhook_deliveries_queue", "subscription_id", "case_id", "seq"))
outbox = define_outbox(metadata)
inbox = define_inbox(metadata)
#: Who read or changed which case, and when (UU PDP): ``slrt_shared.audit``, append-only.
audit_log = define_audit(metadata)
