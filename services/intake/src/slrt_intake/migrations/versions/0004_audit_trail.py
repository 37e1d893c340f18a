"""The audit log in the shared shape (``slrt_shared.audit``): who (subject and role) instead of ``actor``, the
request and trace ids, and triggers that keep it append-only. Rows written before keep their subject (the old
``actor``; ``unknown`` where none was kept) and get the role ``unknown``.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from slrt_shared.audit import INDEXES, allow_changes, create_indexes, forbid_changes

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNKNOWN = "unknown"


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("subject", sa.String(200)))
        batch.add_column(sa.Column("role", sa.String(20)))
        batch.add_column(sa.Column("request_id", sa.String(64)))
        batch.add_column(sa.Column("trace_id", sa.String(32)))
    log = sa.table("audit_log", sa.column("subject", sa.String), sa.column("role", sa.String),
                   sa.column("actor", sa.String))
    op.execute(log.update().values(subject=sa.func.coalesce(log.c.actor, UNKNOWN), role=UNKNOWN))
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("subject", existing_type=sa.String(200), nullable=False)
        batch.alter_column("role", existing_type=sa.String(20), nullable=False)
        batch.alter_column("action", existing_type=sa.String(40), type_=sa.String(60), existing_nullable=False)
        batch.alter_column("citizen_ref", existing_type=sa.String(40), type_=sa.String(80))
        batch.drop_column("actor")
    create_indexes(op, skip=("ix_audit_log_citizen_ref",))  # that one was made by 0002
    forbid_changes(op)  # last: on SQLite the batch above recreated the table


def downgrade() -> None:
    allow_changes(op)
    for name in INDEXES:
        if name != "ix_audit_log_citizen_ref":
            op.drop_index(name, "audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("actor", sa.String(100)))
    log = sa.table("audit_log", sa.column("subject", sa.String), sa.column("actor", sa.String))
    op.execute(log.update().values(actor=log.c.subject))
    with op.batch_alter_table("audit_log") as batch:
        for column in ("subject", "role", "request_id", "trace_id"):
            batch.drop_column(column)
