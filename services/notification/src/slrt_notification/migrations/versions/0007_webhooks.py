"""Webhook subscriptions and their deliveries.

Revision ID: 0007
Revises: 0006
"""

from alembic import op
from slrt_notification.adapters.tables import subscription_columns, webhook_delivery_columns

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("subscriptions", *subscription_columns())
    op.create_index("ix_subscriptions_subject", "subscriptions", ["subject"])
    op.create_table("webhook_deliveries", *webhook_delivery_columns())
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_queue", "webhook_deliveries", ["subscription_id", "case_id", "seq"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("subscriptions")
