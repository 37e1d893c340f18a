"""Reason codes of owners' answers, and supervisors' escalations with their notes (kept here, never published).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from slrt_shared.db import BigId

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("referrals", sa.Column("reason_code", sa.String(32)))
    op.create_table(
        "escalations",
        sa.Column("escalation_id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("from_level", sa.String(16), nullable=False),
        sa.Column("to_level", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), comment="the supervisor's free text: never published"),
        sa.Column("actor", sa.String(200), comment="the supervisor's token subject"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_escalations_case_id", "escalations", ["case_id"])


def downgrade() -> None:
    op.drop_table("escalations")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("reason_code")
