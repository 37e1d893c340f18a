"""Routing's first schema: cases, referrals, SLA timers, outbox, inbox.

Revision ID: 0001
Revises:
"""

from alembic import op
from slrt_routing.adapters.tables import _case_columns, _referral_columns, _timer_columns
from slrt_shared.inbox import create_inbox_table
from slrt_shared.outbox import create_outbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The column lists are shared with the table definitions and frozen at this revision's shape;
    # later revisions alter them explicitly.
    op.create_table("cases", *_case_columns())
    op.create_table("referrals", *_referral_columns())
    op.create_index("ix_referrals_case_id", "referrals", ["case_id"])
    op.create_table("timers", *_timer_columns())
    op.create_index("ix_timers_due_at", "timers", ["due_at"])
    create_outbox_table(op)
    create_inbox_table(op)


def downgrade() -> None:
    for table in ("inbox", "outbox", "timers", "referrals", "cases"):
        op.drop_table(table)
