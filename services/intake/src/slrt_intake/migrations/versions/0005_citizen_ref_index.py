"""Cases found by the pseudonym of the NIK (subject access finds erased cases, whose NIK is blank, this way).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_citizen_ref", "cases", ["citizen_ref"])


def downgrade() -> None:
    op.drop_index("ix_cases_citizen_ref", "cases")
