"""An index on ``cases.overdue``: the overdue gauge (every ``SLRT_METRICS_INTERVAL_SECONDS``) reads the few
overdue cases through it instead of scanning every case, open or closed.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_overdue", "cases", ["overdue"])


def downgrade() -> None:
    op.drop_index("ix_cases_overdue", table_name="cases")
