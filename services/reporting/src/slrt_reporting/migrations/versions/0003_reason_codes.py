"""A referral's reason code (its ``reason`` is now the code's words, never an owner's free text).

Revision ID: 0003
Revises: 0002

The projection version changes with it: at start the service rebuilds the read models from the event log, so
the referrals and the timeline hold codes and their words instead of the free text older events carried.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("referrals", sa.Column("reason_code", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("reason_code")
