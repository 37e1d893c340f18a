"""The outbox's quarantine (``slrt_shared.outbox``): a row that can never be published is set aside with its reason.

Revision ID: 0006
Revises: 0005
"""

from alembic import op
from slrt_shared.outbox import add_outbox_quarantine, drop_outbox_quarantine

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_quarantine(op)


def downgrade() -> None:
    drop_outbox_quarantine(op)
