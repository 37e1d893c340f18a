"""Intake's first schema: cases, complaints, case numbers, idempotency keys, outbox, inbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from slrt_shared.inbox import create_inbox_table
from slrt_shared.outbox import create_outbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(40), primary_key=True),
        sa.Column("case_number", sa.String(32), nullable=False, unique=True),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("kk", sa.String(16), nullable=False),
        sa.Column("citizen_ref", sa.String(40), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("email", sa.String(254)),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("region_code", sa.String(13), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("needs", sa.JSON, nullable=False),
        sa.Column("ppks", sa.JSON, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("warnings", sa.JSON, nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_cases_nik", "cases", ["nik"])
    op.create_index("ix_cases_region_code", "cases", ["region_code"])
    op.create_table(
        "complaints",
        sa.Column("complaint_id", sa.String(40), primary_key=True),
        sa.Column("case_id", sa.String(40), sa.ForeignKey("cases.case_id"), nullable=False),
        sa.Column("referral_id", sa.String(64)),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_complaints_case_id", "complaints", ["case_id"])
    op.create_table(
        "case_counters",
        sa.Column("kabupaten_code", sa.String(5), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(40), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_outbox_table(op)
    create_inbox_table(op)


def downgrade() -> None:
    for table in ("inbox", "outbox", "idempotency_keys", "case_counters", "complaints", "cases"):
        op.drop_table(table)
