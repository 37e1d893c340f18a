"""The audit trail (``slrt_shared.audit``): who read or changed which case, append-only.

Revision ID: 0004
Revises: 0003
"""

from alembic import op
from slrt_shared.audit import TABLE, allow_changes, create_audit_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op)


def downgrade() -> None:
    allow_changes(op)
    op.drop_table(TABLE)
