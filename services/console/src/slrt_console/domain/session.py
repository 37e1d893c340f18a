"""A signed-in officer: who (the token's principal), their token for the services, the form key against
cross-site requests, the language, until when. What each role is offered on the screens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from slrt_shared.access.principal import Principal, Role


@dataclass
class Session:
    id: str
    principal: Principal
    token: str
    csrf: str
    expires_at: datetime
    flashes: list[str] = field(default_factory=list)

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


#: The screens of each role, in menu order (the services still check every call).
SCREENS: dict[Role, tuple[str, ...]] = {
    Role.OPERATOR: ("register", "find", "dashboard"),
    Role.OWNER: ("inbox",),
    Role.SUPERVISOR: ("supervise", "register", "find", "inbox", "dashboard"),
    Role.ANALYST: ("dashboard",),
    Role.ADMIN: ("register", "find", "inbox", "supervise", "dashboard"),
}


def may(principal: Principal, screen: str) -> bool:
    return screen in SCREENS.get(principal.role, ())


def home(principal: Principal) -> str:
    return SCREENS.get(principal.role, ("dashboard",))[0]
