"""Tokens for tests: signed with the development key of the test session's ``SLRT_VAR_DIR`` (set by
``tests/conftest.py`` before anything runs), which every service the tests start, in-process or as a process,
accepts."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from slrt_shared.access.devkey import DevKey
from slrt_shared.access.principal import NATIONAL, Principal, Role


@cache
def _key() -> DevKey:
    return DevKey.load_or_create(Path(os.environ["SLRT_VAR_DIR"]))


def token(role: Role | str = Role.ADMIN, scope: str = NATIONAL, *, owner: str | None = None, sub: str | None = None,
          ttl: timedelta = timedelta(hours=2), audience: str = "slrt", issued_at: datetime | None = None) -> str:
    role = Role(role)
    principal = Principal(sub=sub or f"test-{role.value}", role=role, scope=scope, owner=owner)
    return _key().issue(principal, audience=audience, ttl=ttl, now=issued_at)


def auth(role: Role | str = Role.ADMIN, scope: str = NATIONAL, *, owner: str | None = None) -> dict[str, str]:
    """``Authorization`` for a request as ``role`` of ``scope``."""
    return {"Authorization": f"Bearer {token(role, scope, owner=owner)}"}


def admin() -> dict[str, str]:
    return auth(Role.ADMIN, NATIONAL)
