"""Partial indexes of the outbox (``slrt_shared.outbox``), instead of ``ix_outbox_pending`` and
``ix_outbox_quarantined``: the rows still to publish, in order; the quarantined rows by key; the published rows
by time, for the purge. The relay's read no longer costs more with the square of the backlog.

Revision ID: 0008
Revises: 0007
"""

from alembic import op
from slrt_shared.outbox import add_outbox_live_indexes, drop_outbox_live_indexes

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_live_indexes(op)


def downgrade() -> None:
    drop_outbox_live_indexes(op)
