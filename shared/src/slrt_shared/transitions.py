"""One log line per business transition, written when its transaction commits: a case registered, a referral
dispatched or answered, a case escalated, overdue, resolved, closed, reopened or erased, a complaint filed.

Every transition is an event written to the outbox, so the outbox writes the line (``add_to_outbox`` calls
``remember``): its name from the event type (``referral_dispatched``), the ``case_id``, the ``trace_id`` of the
case's trace and the event's coded fields (programme, owner, levels, reason codes), never its free text or
personal data. A transaction rolled back logs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from slrt_contracts import case_events as ce
from slrt_contracts.envelope import KafkaRecord
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_shared.logging import get_logger
from slrt_shared.spans import trace_id_of

log = get_logger("slrt.transitions")

#: The event types that are transitions of a case, and the name of their log line.
NAMES = {m.ce_type: m.ce_type.removeprefix("id.slrt.").rsplit(".", 1)[0].replace(".", "_")
         for m in (ce.CaseRegistered, ce.ComplaintFiled, ce.ReferralDispatched, ce.ReferralAccepted,
                   ce.ReferralRejected, ce.ReferralInProgress, ce.ReferralResolved, ce.CaseEscalated,
                   ce.CaseOverdue, ce.CaseResolved, ce.CaseClosed, ce.CaseReopened, ce.CaseErased)}
#: Coded fields worth a line; anything else (descriptions, notes, households) is left out.
FIELDS = ("case_number", "referral_id", "programme", "owner_id", "channel", "level", "from_level", "to_level",
          "reason_code", "region_code", "needs", "deadline")
_RENAMED = {"level": "case_level"}  # a log line's ``level`` is its own (info)
_PENDING = "slrt_transitions"


def _line(record: KafkaRecord) -> tuple[str, dict[str, Any]] | None:
    headers = {k: v.decode("utf-8", "replace") for k, v in record.headers}
    name = NAMES.get(headers.get("ce_type", ""))
    if name is None or record.value is None:
        return None
    data = json.loads(record.value)
    fields = {_RENAMED.get(k, k): data[k] for k in FIELDS if data.get(k) is not None}
    if name == "case_escalated" and data.get("reason") in ("sla_expired", "manual"):
        fields["reason"] = data["reason"]
    fields["trace_id"] = trace_id_of(headers.get("traceparent"))
    fields["case_id"] = data.get("case_id") or (record.key.decode() if record.key else None)
    return name, fields


def remember(session: AsyncSession, records: Iterable[KafkaRecord]) -> None:
    """Log the transitions among ``records`` once the session's transaction commits."""
    lines = [line for line in map(_line, records) if line is not None]
    if not lines:
        return
    sync = session.sync_session
    if _PENDING not in sync.info:
        sync.info[_PENDING] = []
        event.listen(sync, "after_commit", _written)
        event.listen(sync, "after_rollback", _dropped)
    sync.info[_PENDING].extend(lines)


def _written(sync: Any) -> None:
    lines, sync.info[_PENDING] = sync.info.get(_PENDING, []), []
    for name, fields in lines:
        log.info(name, **fields)


def _dropped(sync: Any) -> None:
    sync.info[_PENDING] = []
