"""Inbox rows found by age, for the purge after ``SLRT_DEDUP_RETENTION_HOURS`` (``slrt_shared.purge``).

Revision ID: 0006
Revises: 0005
"""

from alembic import op
from slrt_shared.inbox import create_inbox_received_index, drop_inbox_received_index

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_inbox_received_index(op)


def downgrade() -> None:
    drop_inbox_received_index(op)
