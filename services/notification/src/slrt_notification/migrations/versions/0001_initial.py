"""Notification's first schema: contacts, cases, messages, outbox, inbox.

Revision ID: 0001
Revises:
"""

from alembic import op
from slrt_notification.adapters.tables import case_columns, contact_columns, notification_columns
from slrt_shared.inbox import create_inbox_table
from slrt_shared.outbox import create_outbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("contacts", *contact_columns())
    op.create_table("cases", *case_columns())
    op.create_table("messages", *notification_columns())
    op.create_index("ix_messages_due", "messages", ["status", "next_attempt_at"])
    op.create_index("ix_messages_case", "messages", ["case_id"])
    create_outbox_table(op)
    create_inbox_table(op)


def downgrade() -> None:
    for table in ("inbox", "outbox", "messages", "cases", "contacts"):
        op.drop_table(table)
