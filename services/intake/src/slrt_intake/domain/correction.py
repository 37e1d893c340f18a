"""Correcting a citizen's personal data (UU 27/2022, the right to rectification): pure, no I/O. What a correction
changes on one case, and the stored registration with it applied."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from slrt_contracts.citizen_rights import CitizenCorrection

CONTACT_FIELDS = ("name", "phone", "email")
ADDRESS_FIELDS = ("rt", "rw", "street")


@dataclass(frozen=True)
class Changes:
    contacts: dict[str, str | None] = field(default_factory=dict)  # column -> new value
    address: dict[str, str | None] = field(default_factory=dict)  # rt/rw/street -> new value

    @property
    def fields(self) -> list[str]:
        """The fields changed, by name (``address.street``): what the audit row says, never the values."""
        return [*self.contacts, *(f"address.{name}" for name in self.address)]

    def __bool__(self) -> bool:
        return bool(self.contacts or self.address)


def changes(correction: CitizenCorrection, *, current: dict[str, Any], address: dict[str, Any] | None) -> Changes:
    """What ``correction`` changes on a case whose columns are ``current`` and stored address ``address``; a
    field sent with the value it already has changes nothing."""
    contacts = {k: v for k, v in correction.contact_corrections().items() if current.get(k) != v}
    sent = correction.address.corrections() if correction.address else {}
    address = address or {}
    return Changes(contacts, {k: v for k, v in sent.items() if address.get(k) != v})


def corrected_body(body: dict[str, Any], applied: Changes) -> dict[str, Any]:
    """The stored registration with the changes: its ``citizen`` and ``address`` keep no old value."""
    new = copy.deepcopy(body)
    if applied.contacts and isinstance(new.get("citizen"), dict):
        new["citizen"].update(applied.contacts)
    if applied.address:
        new["address"] = {**(new.get("address") or {}), **applied.address}
    return new
