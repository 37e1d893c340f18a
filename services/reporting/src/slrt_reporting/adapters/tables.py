"""Reporting's read models, the durable event log they are rebuilt from, and the projection's state.

No personal data: cases are known by ids, codes, levels and times; free text arrives masked.
The read-model tables are defined by functions so ``replay`` can build a fresh set (in a new schema on
PostgreSQL, under a prefix on SQLite) with the same columns and, once swapped in, the same index names.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from slrt_shared.audit import define_audit
from slrt_shared.db import BigId
from slrt_shared.inbox import define_inbox

metadata = sa.MetaData()
TZ = sa.DateTime(timezone=True)
ID = 64  # ids are opaque: up to 64 characters (the contract's identifier rule)


def case_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("case_id", sa.String(ID), primary_key=True),
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
    ]


def referral_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("referral_id", sa.String(ID), primary_key=True),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("programme", sa.String(16)),
        sa.Column("owner_id", sa.String(100)),
        sa.Column("owner_name", sa.String(200)),
        sa.Column("status", sa.String(16)),
        sa.Column("status_at", TZ),
        sa.Column("reason", sa.String(500)),  # the words of reason_code, never an owner's free text
        sa.Column("due_at", TZ),
        sa.Column("answered_at", TZ),
        sa.Column("reason_code", sa.String(32)),
    ]


def timeline_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("type", sa.String(60), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("rank", sa.SmallInteger, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    ]


def counter_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("region", sa.String(13), primary_key=True),
        sa.Column("dimension", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(100), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    ]


#: (table, index name, columns). The list is newest first within a region, so each filter has an index ending
#: in (registered_at, case_id), the keyset of the pagination.
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
COLUMNS = {"cases": case_columns, "referrals": referral_columns, "timeline": timeline_columns,
           "counters": counter_columns}


@dataclass(frozen=True)
class ReadModel:
    """The tables a projection writes: the live ones, or a fresh set that ``replay`` fills and swaps in."""

    cases: sa.Table
    referrals: sa.Table
    timeline: sa.Table
    counters: sa.Table

    @property
    def tables(self) -> tuple[sa.Table, ...]:
        return (self.cases, self.referrals, self.timeline, self.counters)


def read_model(md: sa.MetaData, *, schema: str | None = None, prefix: str = "", indexes: bool = True) -> ReadModel:
    tables = {}
    for name, columns in COLUMNS.items():
        extra = [sa.Index(ix, *cols) for table, ix, cols in INDEXES if table == name] if indexes else []
        tables[name] = sa.Table(f"{prefix}{name}", md, *columns(), *extra, schema=schema)
    return ReadModel(**tables)


LIVE = read_model(metadata)
cases, referrals, timeline, counters = LIVE.tables

event_log = sa.Table(
    "event_log", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(100), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("time", TZ, nullable=False),
    sa.Column("key", sa.String(100)),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("received_at", TZ, nullable=False),
    sa.UniqueConstraint("source", "event_id", name="uq_event_log_event"),
    sa.Index("ix_event_log_time", "time"),
    sa.Index("ix_event_log_key", "key"),
)

#: Which version of the projection rules built the read models; an older one is rebuilt at start.
projection_state = sa.Table(
    "projection_state", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(100), nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)
inbox = define_inbox(metadata)
#: Who read or changed which case, and when (UU PDP): ``slrt_shared.audit``, append-only.
audit_log = define_audit(metadata)
