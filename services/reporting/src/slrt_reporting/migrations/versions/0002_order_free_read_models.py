"""Read models whose facts merge the same in any order of arrival; list indexes; the projection's version.

Revision ID: 0002
Revises: 0001

The read-model tables are recreated empty in their new shape; at start the service sees that the projection
version changed and rebuilds them from the durable event log (``slrt_reporting.rebuild``). The event log and
the inbox are kept as they are.

Frozen: the columns are spelled out here, not imported.
"""

import sqlalchemy as sa
from alembic import op
from slrt_shared.db import BigId

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
INDEXES = [
    ("cases", "ix_cases_desa_list", ["region_code", "registered_at", "case_id"]),
    ("cases", "ix_cases_kecamatan_list", ["kecamatan_code", "registered_at", "case_id"]),
    ("cases", "ix_cases_kabupaten_list", ["kabupaten_code", "registered_at", "case_id"]),
    ("cases", "ix_cases_provinsi_list", ["provinsi_code", "registered_at", "case_id"]),
    ("cases", "ix_cases_status_list", ["status", "registered_at", "case_id"]),
    ("cases", "ix_cases_overdue_list", ["overdue", "registered_at", "case_id"]),
    ("cases", "ix_cases_list", ["registered_at", "case_id"]),
    ("cases", "ix_cases_number", ["case_number"]),
    ("referrals", "ix_referrals_case", ["case_id"]),
    ("timeline", "ix_timeline_case", ["case_id", "at", "rank"]),
]


def upgrade() -> None:
    for table in ("timeline", "referrals", "cases", "counters"):
        op.drop_table(table)
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("case_number", sa.String(32)),
        sa.Column("region_code", sa.String(13)),
        sa.Column("kecamatan_code", sa.String(8)),
        sa.Column("kabupaten_code", sa.String(5)),
        sa.Column("provinsi_code", sa.String(2)),
        sa.Column("channel", sa.String(16)),
        sa.Column("start_level", sa.String(16)),
        sa.Column("level", sa.String(16)),
        sa.Column("level_at", TZ),
        sa.Column("status", sa.String(16)),
        sa.Column("status_at", TZ),
        sa.Column("status_times", sa.JSON, nullable=False),
        sa.Column("opened_at", TZ),
        sa.Column("ppks", sa.JSON, nullable=False),
        sa.Column("needs", sa.JSON, nullable=False),
        sa.Column("registered_at", TZ),
        sa.Column("resolved_at", TZ),
        sa.Column("closed_at", TZ),
        sa.Column("deadline", TZ),
        sa.Column("deadline_at", TZ),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("overdue_at", TZ),
        sa.Column("reached_kecamatan", sa.Boolean, nullable=False),
        sa.Column("reached_kabupaten", sa.Boolean, nullable=False),
        sa.Column("complaints", sa.Integer, nullable=False),
        sa.Column("milestones", sa.JSON, nullable=False),
        sa.Column("notifications", sa.JSON, nullable=False),
        sa.Column("referral_outcomes", sa.JSON, nullable=False),
        sa.Column("last_event_at", TZ),
    )
    op.create_table(
        "referrals",
        sa.Column("referral_id", sa.String(64), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("programme", sa.String(16)),
        sa.Column("owner_id", sa.String(100)),
        sa.Column("owner_name", sa.String(200)),
        sa.Column("status", sa.String(16)),
        sa.Column("status_at", TZ),
        sa.Column("reason", sa.String(500)),
        sa.Column("due_at", TZ),
        sa.Column("answered_at", TZ),
    )
    op.create_table(
        "timeline",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("type", sa.String(60), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("rank", sa.SmallInteger, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "counters",
        sa.Column("region", sa.String(13), primary_key=True),
        sa.Column("dimension", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(100), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns)
    op.create_index("ix_event_log_time", "event_log", ["time"])
    op.create_table(
        "projection_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("rebuild from the event log instead: the old read models cannot be derived back")
