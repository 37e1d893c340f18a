"""What the citizens' rights use cases (subject access, correction) share: the two seams the audit trail and the
pseudonym keys plug into, and the contacts record intake publishes for a case.

``refs_for(nik)`` is the one place that turns a NIK into the pseudonyms its cases may carry (one per pseudonym
key, once keys rotate); ``audit(...)`` is the one place these use cases write an audit row."""

from __future__ import annotations

from typing import Any

from slrt_contracts.codes import Language
from slrt_contracts.contacts import CaseContacts
from slrt_contracts.envelope import KafkaRecord, to_kafka
from slrt_contracts.topics import Topics
from slrt_shared import audit as audit_trail
from slrt_shared.access.principal import Principal
from slrt_shared.pseudonyms import Pseudonyms
from slrt_shared.telemetry import current_trace_headers
from sqlalchemy.ext.asyncio import AsyncSession

from slrt_intake.adapters import tables as t
from slrt_intake.service_layer.registration import SOURCE


def refs_for(nik: str, *, pseudonyms: Pseudonyms) -> list[str]:
    """Every ``citizen_ref`` a case of this NIK may carry, under every key (the first: the one new cases get)."""
    return list(pseudonyms.all_refs(nik))


async def audit(session: AsyncSession, action: str, *, principal: Principal | None, case_id: str | None = None,
                citizen_ref: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """One audit row, in the caller's transaction: never a NIK or a personal value, only ids and field names."""
    await audit_trail.record(session, t.audit_log, principal=principal, action=action, case_id=case_id,
                             citizen_ref=citizen_ref, detail=detail)


def contacts_of(row: Any) -> CaseContacts | None:
    """The contacts record of a case as intake publishes it on ``slrt.case.contacts`` (None once erased: the
    topic then holds the case's tombstone)."""
    if row.erased_at is not None:
        return None
    return CaseContacts(case_id=row.case_id, case_number=row.case_number, name=row.name, phone=row.phone,
                        email=row.email, language=Language(row.language))


def contacts_record(contacts: CaseContacts, topics: Topics) -> KafkaRecord:
    return to_kafka(contacts, topic=topics.case_contacts, source=SOURCE, key=contacts.case_id,
                    trace_headers=current_trace_headers())
