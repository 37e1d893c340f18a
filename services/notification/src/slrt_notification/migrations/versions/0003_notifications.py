"""The table of messages to deliver is called ``notifications`` (one row per notification, keyed by the
``notification_id`` that notification.sent/failed carry), and keeps the triggering event's trace.

Revision ID: 0003
Revises: 0002
"""

from alembic import op
from slrt_notification.adapters.tables import trace_column

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_messages_due", table_name="messages")
    op.drop_index("ix_messages_case", table_name="messages")
    op.rename_table("messages", "notifications")
    op.create_index("ix_notifications_due", "notifications", ["status", "next_attempt_at"])
    op.create_index("ix_notifications_case", "notifications", ["case_id"])
    op.add_column("notifications", trace_column())


def downgrade() -> None:
    op.drop_column("notifications", "traceparent")
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_index("ix_notifications_case", table_name="notifications")
    op.rename_table("notifications", "messages")
    op.create_index("ix_messages_due", "messages", ["status", "next_attempt_at"])
    op.create_index("ix_messages_case", "messages", ["case_id"])
