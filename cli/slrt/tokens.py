"""``slrt token issue``: a development token that ``slrt dev`` and ``slrt serve`` started from the same folder
accept (the development key under ``./var/``; refused when ``SLRT_AUTH_ISSUER`` is set)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from slrt_shared.access.devkey import DevKey, new_subject, parse_ttl
from slrt_shared.access.principal import InvalidClaims, Principal, Role, scope_of

from slrt.settings import CliSettings


def issue_token(settings: CliSettings, *, role: str, region: str, owner: str | None, sub: str | None,
                ttl: str) -> int:
    if settings.auth_issuer:
        print("slrt token issue: SLRT_AUTH_ISSUER is set, so the services accept only the issuer's tokens; "
              "ask the identity provider for one", file=sys.stderr)
        return 2
    try:
        lifetime = parse_ttl(ttl)
        the_role = Role(role)
        if the_role == Role.OWNER and not owner:
            raise InvalidClaims("--owner is required for the role owner")
        principal = Principal(sub=sub or new_subject(the_role), role=the_role, scope=scope_of(region),
                              owner=owner if the_role == Role.OWNER else None)
    except (ValueError, InvalidClaims) as exc:
        print(f"slrt token issue: {exc}", file=sys.stderr)
        return 2
    key = DevKey.load_or_create(settings.var_dir)
    now = datetime.now(UTC)
    token = key.issue(principal, audience=settings.auth_audience, ttl=lifetime, now=now)
    owner_note = f", owner {principal.owner}" if principal.owner else ""
    print(f"# {principal.role.value} of {principal.scope}{owner_note}, subject {principal.sub}, "
          f"valid until {(now + lifetime).isoformat(timespec='seconds')}")
    print(token)
    return 0
