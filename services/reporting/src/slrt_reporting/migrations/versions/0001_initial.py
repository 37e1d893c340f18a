"""Reporting's first schema: cases, referrals, timeline, counters, event log, inbox.

Revision ID: 0001
Revises:

Frozen: the columns are spelled out here (not imported) so later changes to the tables module never change
what this revision did.
"""

import sqlalchemy as sa
from alembic import op
from slrt_shared.db import BigId
from slrt_shared.inbox import create_inbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(40), primary_key=True),
        sa.Column("case_number", sa.String(32)),
        sa.Column("region_code", sa.String(13)),
        sa.Column("kecamatan_code", sa.String(8)),
        sa.Column("kabupaten_code", sa.String(5)),
        sa.Column("provinsi_code", sa.String(2)),
        sa.Column("channel", sa.String(16)),
        sa.Column("level", sa.String(16)),
        sa.Column("level_at", TZ),
        sa.Column("status", sa.String(16)),
        sa.Column("status_at", TZ),
        sa.Column("ppks", sa.JSON, nullable=False),
        sa.Column("needs", sa.JSON, nullable=False),
        sa.Column("registered_at", TZ),
        sa.Column("resolved_at", TZ),
        sa.Column("closed_at", TZ),
        sa.Column("deadline", TZ),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("reached_kecamatan", sa.Boolean, nullable=False),
        sa.Column("reached_kabupaten", sa.Boolean, nullable=False),
        sa.Column("complaints", sa.Integer, nullable=False),
    )
    for name, columns in [("ix_cases_region", ["region_code"]), ("ix_cases_kecamatan", ["kecamatan_code"]),
                          ("ix_cases_kabupaten", ["kabupaten_code"]), ("ix_cases_provinsi", ["provinsi_code"]),
                          ("ix_cases_number", ["case_number"]), ("ix_cases_status", ["status"]),
                          ("ix_cases_registered", ["registered_at"])]:
        op.create_index(name, "cases", columns)
    op.create_table(
        "referrals",
        sa.Column("referral_id", sa.String(40), primary_key=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("programme", sa.String(16)),
        sa.Column("owner_id", sa.String(100)),
        sa.Column("owner_name", sa.String(200)),
        sa.Column("status", sa.String(16)),
        sa.Column("status_at", TZ),
        sa.Column("reason", sa.String(500)),
        sa.Column("due_at", TZ),
        sa.Column("answered_at", TZ),
    )
    op.create_index("ix_referrals_case", "referrals", ["case_id"])
    op.create_table(
        "timeline",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("type", sa.String(60), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_timeline_case", "timeline", ["case_id", "at"])
    op.create_table(
        "event_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("time", TZ, nullable=False),
        sa.Column("key", sa.String(100)),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.UniqueConstraint("source", "event_id", name="uq_event_log_event"),
    )
    op.create_table(
        "counters",
        sa.Column("region", sa.String(13), primary_key=True),
        sa.Column("dimension", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(100), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    create_inbox_table(op)


def downgrade() -> None:
    for table in ("inbox", "counters", "event_log", "timeline", "referrals", "cases"):
        op.drop_table(table)
