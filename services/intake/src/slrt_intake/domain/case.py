"""A case as intake sees it at registration: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slrt_contracts import identity
from slrt_contracts.codes import START_LEVEL, CaseStatus, Level, Programme
from slrt_contracts.commands import CaseRegistration
from slrt_contracts.regions import parent_at

OPEN_STATUSES = frozenset({CaseStatus.REGISTERED, CaseStatus.REFERRED, CaseStatus.IN_PROGRESS})


def case_number(region_code: str, year: int, sequence: int) -> str:
    """Human-readable, per kabupaten/kota and year: ``3201-2026-000042`` (for SMS and counters)."""
    return f"{parent_at(region_code, Level.KABUPATEN).replace('.', '')}-{year}-{sequence:06d}"


@dataclass(frozen=True)
class NewCase:
    case_id: str
    case_number: str
    citizen_ref: str
    level: Level
    needs: list[Programme]
    warnings: list[str]
    registered_at: datetime


def identity_warnings(registration: CaseRegistration) -> list[str]:
    """What is odd but not wrong about the citizen's numbers, as ``field: code`` (never the values)."""
    nik = identity.parse_nik(registration.citizen.nik, address_region=registration.address.region_code)
    kk = identity.parse_kk(registration.citizen.kk)
    return [f"citizen.nik: {w.code}" for w in nik.warnings] + [f"citizen.kk: {w.code}" for w in kk.warnings]


def register(
    registration: CaseRegistration, *, case_id: str, number: str, citizen_ref: str, now: datetime
) -> NewCase:
    return NewCase(
        case_id=case_id,
        case_number=number,
        citizen_ref=citizen_ref,
        level=START_LEVEL[registration.channel],
        needs=registration.all_needs(),
        warnings=identity_warnings(registration),
        registered_at=now,
    )


def links_to(open_case_needs: list[str], requested: list[Programme]) -> bool:
    """An open case of the same citizen that already carries every requested need is not duplicated."""
    return all(n.value in open_case_needs for n in requested)


#: How intake's copy of the case status follows what routing reports on ``slrt.case.events``
#: (CONTRACT.md: registered -> referred -> in_progress -> resolved -> closed; a complaint reopens).
_FOLLOWS: dict[str, tuple[frozenset[CaseStatus], CaseStatus]] = {
    "referral.dispatched": (frozenset({CaseStatus.REGISTERED}), CaseStatus.REFERRED),
    "referral.accepted": (frozenset({CaseStatus.REGISTERED, CaseStatus.REFERRED}), CaseStatus.IN_PROGRESS),
    "referral.in_progress": (frozenset({CaseStatus.REGISTERED, CaseStatus.REFERRED}), CaseStatus.IN_PROGRESS),
    "case.resolved": (OPEN_STATUSES, CaseStatus.RESOLVED),
    "case.closed": (frozenset({*OPEN_STATUSES, CaseStatus.RESOLVED}), CaseStatus.CLOSED),
    "case.reopened": (frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED}), CaseStatus.REFERRED),
}
FOLLOWED_CHANGES = frozenset(_FOLLOWS)


def status_after(current: CaseStatus, change: str) -> CaseStatus:
    """The case status after routing reported ``change`` (``case.resolved``, ...); unchanged when it does not
    apply (a late or repeated report never moves a case backwards)."""
    applies_to, becomes = _FOLLOWS.get(change, (frozenset(), current))
    return becomes if current in applies_to else current


def erased_body(body: dict[str, Any]) -> dict[str, Any]:
    """The stored registration without personal data: no citizen, no street/RT/RW, no description.
    What routing and reporting also know (region, needs, PPKS, channel, household standing) stays."""
    address = body.get("address") or {}
    return {k: v for k, v in body.items() if k not in ("citizen", "description")} | {
        "address": {"region_code": address.get("region_code")}}
