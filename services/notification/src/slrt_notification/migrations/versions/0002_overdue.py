"""Overdue cases, for the daily digest to supervisors.

Revision ID: 0002
Revises: 0001
"""

from alembic import op
from slrt_notification.adapters.tables import overdue_columns

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("overdue", *overdue_columns())
    op.create_index("ix_overdue_region", "overdue", ["region_code"])


def downgrade() -> None:
    op.drop_table("overdue")
