"""The event log by case: an erasure (``case.erased``) forgets the pseudonym and free text of one case's events.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_log_key", "event_log", ["key"])


def downgrade() -> None:
    op.drop_index("ix_event_log_key", "event_log")
