"""The owners each case's referrals were dispatched to (an owner whose programme needs the citizen's identity
may read the case's record).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referral_owners",
        sa.Column("referral_id", sa.String(40), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("owner_id", sa.String(100), nullable=False),
        sa.Column("programme", sa.String(16), nullable=False),
    )
    op.create_index("ix_referral_owners_case_owner", "referral_owners", ["case_id", "owner_id"])


def downgrade() -> None:
    op.drop_table("referral_owners")
