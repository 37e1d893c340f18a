"""Notification's tables: contacts from the restricted topic, and one row per notification to deliver."""

from __future__ import annotations

import sqlalchemy as sa
from slrt_shared.audit import define_audit
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
outbox = define_outbox(metadata)
inbox = define_inbox(metadata)
#: Who read or changed which case, and when (UU PDP): ``slrt_shared.audit``, append-only.
audit_log = define_audit(metadata)
