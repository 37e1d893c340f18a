"""The citizens' status look-up: misses per case number and its lock, shared by every intake instance.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_lookup_misses",
        sa.Column("case_number", sa.String(32), primary_key=True),
        sa.Column("misses", sa.Integer, nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("last_miss_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_status_lookup_misses_last_miss_at", "status_lookup_misses", ["last_miss_at"])


def downgrade() -> None:
    op.drop_table("status_lookup_misses")
