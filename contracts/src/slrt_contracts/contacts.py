"""``slrt.case.contacts`` (key ``case_id``, compacted, restricted): the citizen's contact details.

The only topic that carries names, phone numbers and e-mail addresses. A tombstone (null value) for a
``case_id`` erases them.
"""

from __future__ import annotations

from typing import ClassVar

from slrt_contracts.base import EventData
from slrt_contracts.codes import Language
from slrt_contracts.topics import CASE_CONTACTS


class CaseContacts(EventData):
    ce_type: ClassVar[str] = "id.slrt.case.contacts.v1"
    topic: ClassVar[str] = CASE_CONTACTS
    case_id: str
    case_number: str | None = None
    name: str
    phone: str | None = None
    email: str | None = None
    language: Language = Language.ID
