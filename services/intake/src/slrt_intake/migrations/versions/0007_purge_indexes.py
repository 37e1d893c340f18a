"""Inbox rows and idempotency keys found by age, for the purge after their horizon (``slrt_shared.purge``).

Revision ID: 0007
Revises: 0006
"""

from alembic import op
from slrt_shared.inbox import create_inbox_received_index, drop_inbox_received_index

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_inbox_received_index(op)
    op.create_index("ix_idempotency_keys_scope_created", "idempotency_keys", ["scope", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_scope_created", "idempotency_keys")
    drop_inbox_received_index(op)
