"""The caller: a subject with one role and one region scope (and, for a programme owner, the owner id).

A scope is a region code of any level or ``nasional``; it covers its region and everything below it, as an
organisation unit does in DHIS2.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from slrt_contracts import regions

NATIONAL = "nasional"


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    OWNER = "owner"
    ANALYST = "analyst"
    ADMIN = "admin"


class InvalidClaims(ValueError):
    """The token's claims do not make a principal (unknown role, bad region, an owner without owner id)."""


def scope_of(value: str) -> str:
    """A scope claim, checked and normalised: ``nasional`` or a region code of any level."""
    if value == NATIONAL:
        return NATIONAL
    try:
        return regions.normalise(value)
    except regions.RegionCodeError:
        raise InvalidClaims(f"slrt_region is not a region code or {NATIONAL!r}") from None


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    scope: str
    owner: str | None = None

    @classmethod
    def from_claims(cls, claims: dict[str, object]) -> Principal:
        sub, role, region, owner = (claims.get(k) for k in ("sub", "slrt_role", "slrt_region", "slrt_owner"))
        if not isinstance(sub, str) or not sub:
            raise InvalidClaims("sub is missing")
        if role not in {r.value for r in Role}:
            raise InvalidClaims("slrt_role is not one of " + ", ".join(r.value for r in Role))
        if not isinstance(region, str):
            raise InvalidClaims("slrt_region is missing")
        if owner is not None and not isinstance(owner, str):
            raise InvalidClaims("slrt_owner is not a string")
        if role == Role.OWNER and not owner:
            raise InvalidClaims("an owner's token needs slrt_owner")
        return cls(sub=sub, role=Role(str(role)), scope=scope_of(region), owner=owner or None)

    def covers(self, region_code: str) -> bool:
        """The region (a desa, kecamatan, ... code) lies in this principal's scope."""
        return regions.contains(self.scope, region_code)

    def reaches_referral(self, owner_id: str, case_region: str) -> bool:
        """An owner reaches only the referrals addressed to it; anyone else those of cases in scope."""
        if self.role is Role.OWNER:
            return owner_id == self.owner
        return self.covers(case_region)

    def narrow(self, requested: str | None) -> str | None:
        """The region a list, stats or export may show when ``requested`` is asked for (``None`` or
        ``nasional``: as wide as allowed): a region in the scope as it is, a wider one narrowed to the scope;
        ``None`` for a region beside the scope, which shows nothing (as an empty region would)."""
        wanted = requested or NATIONAL
        if self.covers(wanted):
            return wanted
        if regions.contains(wanted, self.scope):
            return self.scope
        return None
