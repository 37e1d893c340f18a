"""The audit trail (UU PDP): who read or changed which case or personal data, when, in which request and trace.

Each service keeps one append-only table, ``audit_log``, for what it holds (``define_audit``; its migration
calls ``create_audit_table``). A use case writes a row with ``record`` in its own transaction, so the row
exists exactly when the read or change it tells of happened. The request id and the trace id are picked up
from the context (``slrt_shared.request_ids``, OpenTelemetry); callers pass who, what and which case.

Append-only: no code updates or deletes a row, and the database refuses it too (triggers made by the
migration, on PostgreSQL and SQLite). A row holds no personal data: the case id, the citizen's pseudonym
(``citizen_ref``, never the NIK) and a ``detail`` that passes through the same masking as the logs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_shared.access.principal import Principal
from slrt_shared.db import BigId, utc
from slrt_shared.logging import mask_personal_data
from slrt_shared.paging import BadCursor, decode_cursor, encode_cursor
from slrt_shared.request_ids import current_request_id

TABLE = "audit_log"
#: The subject and role of what a service does on its own (an erasure after the retention period, ...).
SYSTEM = "system"


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("case_id", sa.String(40)),
        sa.Column("citizen_ref", sa.String(80)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("trace_id", sa.String(32)),
        sa.Column("detail", sa.JSON),
    ]


#: name -> columns of the indexes: a case's trail, a subject's trail, everything in order, a citizen's rows.
INDEXES = {
    "ix_audit_log_case": ("case_id", "at", "id"),
    "ix_audit_log_subject": ("subject", "at", "id"),
    "ix_audit_log_at": ("at", "id"),
    "ix_audit_log_citizen_ref": ("citizen_ref",),
}


def define_audit(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(TABLE, metadata, *_columns(), *(sa.Index(name, *cols) for name, cols in INDEXES.items()))


def create_audit_table(op: Any) -> None:
    """For a service's migration: the table, its indexes and the triggers that keep it append-only."""
    op.create_table(TABLE, *_columns())
    create_indexes(op, skip=())
    forbid_changes(op)


def create_indexes(op: Any, *, skip: Iterable[str]) -> None:
    for name, cols in INDEXES.items():
        if name not in skip:
            op.create_index(name, TABLE, list(cols))


_PG_FUNCTION = f"slrt_{TABLE}_append_only"


def forbid_changes(op: Any) -> None:
    """Triggers refusing UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of the audit table. On SQLite a later
    ``batch_alter_table`` of the table recreates it without them: call this again after one."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{TABLE} is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
            END $$""")
        op.execute(f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
                   f"FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()")
        op.execute(f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()")
        return
    for what in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER {TABLE}_no_{what.lower()} BEFORE {what} ON {TABLE} "
                   f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {what} refused'); END")


def allow_changes(op: Any) -> None:
    """The triggers' undoing, for a migration's downgrade."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")
        return
    for what in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{what}")


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


def row(principal: Principal | None, action: str, case_id: str | None, citizen_ref: str | None,
        detail: dict[str, Any] | None, at: datetime, *, request_id: str | None = None,
        trace_id: str | None = None) -> dict[str, Any]:
    """An audit row, for ``record_rows``; the request id and trace id are the current ones unless given (a
    batch of commands or requests names each one's own)."""
    return {
        "at": at, "subject": principal.sub[:200] if principal else SYSTEM,  # the column's width
        "role": principal.role.value if principal else SYSTEM, "action": action, "case_id": case_id,
        "citizen_ref": citizen_ref, "request_id": request_id or current_request_id(),
        "trace_id": trace_id or current_trace_id(),
        "detail": mask_personal_data(None, "", detail) if detail else None,
    }


async def record(session: AsyncSession, table: sa.Table, *, principal: Principal | None, action: str,
                 case_id: str | None = None, citizen_ref: str | None = None,
                 detail: dict[str, Any] | None = None) -> None:
    """One row, in the caller's transaction. ``principal`` None: the service acting on its own (``SYSTEM``).
    ``citizen_ref`` is the pseudonym, never the NIK; ``detail`` names no person (it is masked as logs are)."""
    await session.execute(table.insert().values(
        **row(principal, action, case_id, citizen_ref, detail, datetime.now(UTC))))


async def record_cases(session: AsyncSession, table: sa.Table, *, principal: Principal | None, action: str,
                       case_ids: Iterable[str], citizen_ref: str | None = None,
                       detail: dict[str, Any] | None = None) -> None:
    """One row per case (each named once), in the caller's transaction: a list that showed several cases."""
    now = datetime.now(UTC)
    await record_rows(session, table, [row(principal, action, case_id, citizen_ref, detail, now)
                                       for case_id in dict.fromkeys(case_ids)])


async def record_rows(session: AsyncSession, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Rows made by ``row``, in one statement, in the caller's transaction."""
    if rows:
        await session.execute(table.insert(), rows)


def entry(row: Any) -> dict[str, Any]:
    return {"id": str(row.id), "at": utc(row.at).isoformat(),  # type: ignore[union-attr]
            "subject": row.subject, "role": row.role, "action": row.action, "case_id": row.case_id,
            "citizen_ref": row.citizen_ref, "request_id": row.request_id, "trace_id": row.trace_id,
            "detail": row.detail}


async def audit_page(session: AsyncSession, table: sa.Table, *, case_id: str | None = None,
                     subject: str | None = None, limit: int = 100, cursor: str | None = None,
                     within: sa.ColumnElement[bool] | None = None) -> dict[str, Any]:
    """Rows in the order they were written (oldest first), ``limit`` at a time, of one case and/or one subject
    when asked, and only those ``within`` allows; ``BadCursor`` for a cursor no page gave."""
    c = table.c
    query = sa.select(table)
    if within is not None:
        query = query.where(within)
    if case_id is not None:
        query = query.where(c.case_id == case_id)
    if subject is not None:
        query = query.where(c.subject == subject)
    if cursor:
        at, row_id = decode_cursor(cursor)
        if not (row_id.isdigit() and len(row_id) <= 18):
            raise BadCursor("not a cursor this list gave")
        query = query.where(sa.or_(c.at > at, sa.and_(c.at == at, c.id > int(row_id))))
    rows = (await session.execute(query.order_by(c.at, c.id).limit(limit + 1))).all()
    page = rows[:limit]
    more = len(rows) > limit
    return {"items": [entry(r) for r in page],
            "next_cursor": encode_cursor(page[-1].at, str(page[-1].id)) if more else None}
