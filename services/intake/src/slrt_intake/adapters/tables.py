"""Intake's tables. Only this database holds NIK and KK."""

from __future__ import annotations

import sqlalchemy as sa
from slrt_shared.audit import define_audit
from slrt_shared.inbox import define_inbox
from slrt_shared.outbox import define_outbox

metadata = sa.MetaData()

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("case_id", sa.String(40), primary_key=True),
    sa.Column("case_number", sa.String(32), nullable=False, unique=True),
    sa.Column("nik", sa.String(16), nullable=False, index=True),
    sa.Column("kk", sa.String(16), nullable=False),
    sa.Column("citizen_ref", sa.String(40), nullable=False, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("phone", sa.String(20)),
    sa.Column("email", sa.String(254)),
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("region_code", sa.String(13), nullable=False, index=True),
    sa.Column("kecamatan_code", sa.String(8)),
    sa.Column("kabupaten_code", sa.String(5), index=True),
    sa.Column("provinsi_code", sa.String(2)),
    sa.Column("region_names", sa.JSON),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("needs", sa.JSON, nullable=False),
    sa.Column("ppks", sa.JSON, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("warnings", sa.JSON, nullable=False),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status_changed_at", sa.DateTime(timezone=True)),
    sa.Column("erased_at", sa.DateTime(timezone=True)),
)

complaints = sa.Table(
    "complaints",
    metadata,
    sa.Column("complaint_id", sa.String(40), primary_key=True),
    sa.Column("case_id", sa.String(40), sa.ForeignKey("cases.case_id"), nullable=False, index=True),
    sa.Column("referral_id", sa.String(64)),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
)

case_counters = sa.Table(
    "case_counters",
    metadata,
    sa.Column("kabupaten_code", sa.String(5), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last", sa.Integer, nullable=False),
)

idempotency = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.String(40), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("body_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_idempotency_keys_scope_created", "scope", "created_at"),  # the purge's (migration 0006)
)

#: The owners routing dispatched each case's referrals to (from ``referral.dispatched``): an owner whose
#: programme needs the citizen's identity to act may read the case's record.
referral_owners = sa.Table(
    "referral_owners",
    metadata,
    sa.Column("referral_id", sa.String(40), primary_key=True),
    sa.Column("case_id", sa.String(40), nullable=False),
    sa.Column("owner_id", sa.String(100), nullable=False),
    sa.Column("programme", sa.String(16), nullable=False),
    sa.Index("ix_referral_owners_case_owner", "case_id", "owner_id"),
)

#: The citizens' status look-up (``POST /v1/status``): misses per case number asked about, whether a case has
#: that number or not, and until when it is locked (``domain.status``). Shared by every intake instance; a row
#: whose last miss is older than the window and the lock is purged.
status_lookup_misses = sa.Table(
    "status_lookup_misses",
    metadata,
    sa.Column("case_number", sa.String(32), primary_key=True),
    sa.Column("misses", sa.Integer, nullable=False),
    sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True)),
    sa.Column("last_miss_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

#: Who read or changed which case or citizen, and when (UU PDP): ``slrt_shared.audit``, append-only.
audit_log = define_audit(metadata)

outbox = define_outbox(metadata)
inbox = define_inbox(metadata)
