"""Routing's tables: its view of each case, the referrals, and the durable SLA timers."""

from __future__ import annotations

import sqlalchemy as sa
from slrt_shared.audit import define_audit
from slrt_shared.db import BigId
from slrt_shared.inbox import define_inbox
from slrt_shared.outbox import define_outbox

metadata = sa.MetaData()


def _case_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("case_id", sa.String(40), primary_key=True),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(13), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("start_level", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("needs", sa.JSON, nullable=False),
        sa.Column("ppks", sa.JSON, nullable=False),
        sa.Column("dtsen_status", sa.String(16), nullable=False),
        sa.Column("rules_version", sa.String(40), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True)),
        sa.Column("overdue", sa.Boolean, nullable=False, default=False),
        sa.Column("complaints", sa.Integer, nullable=False, default=0),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    ]


def _referral_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("referral_id", sa.String(40), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("programme", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.String(100), nullable=False),
        sa.Column("owner_name", sa.String(200), nullable=False),
        sa.Column("owner_level", sa.String(16), nullable=False),
        sa.Column("owner_region", sa.String(13), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500)),
        sa.Column("note", sa.String(2000)),
        sa.Column("tried_owners", sa.JSON, nullable=False),
        sa.Column("replaced_by", sa.String(40), comment="re-routed or re-opened: no longer the active referral"),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _timer_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("timer_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False, comment="sla | close"),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("case_id", "kind", name="uq_timers_case_kind"),
    ]


def _escalation_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("escalation_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("from_level", sa.String(16), nullable=False),
        sa.Column("to_level", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), comment="the supervisor's free text: never published"),
        sa.Column("actor", sa.String(200), comment="the supervisor's token subject"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    ]


#: Added by revision 0002: the reason code of the owner's answer (its free text stays in ``reason``).
REASON_CODE = sa.Column("reason_code", sa.String(32))
#: Added by revision 0006: the trace of the work that set the timer, which its firing goes on in.
TIMER_TRACE = sa.Column("traceparent", sa.String(64))

cases = sa.Table("cases", metadata, *_case_columns(),
                 sa.Index("ix_cases_overdue", "overdue"))  # revision 0007: the overdue gauge reads the few overdue
referrals = sa.Table("referrals", metadata, *_referral_columns(), REASON_CODE,
                     sa.Index("ix_referrals_case_id", "case_id"))
escalations = sa.Table("escalations", metadata, *_escalation_columns(), sa.Index("ix_escalations_case_id", "case_id"))
timers = sa.Table("timers", metadata, *_timer_columns(), TIMER_TRACE, sa.Index("ix_timers_due_at", "due_at"))
outbox = define_outbox(metadata)
inbox = define_inbox(metadata)
#: Who read or changed which case, and when (UU PDP): ``slrt_shared.audit``, append-only.
audit_log = define_audit(metadata)
