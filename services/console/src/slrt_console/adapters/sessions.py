"""Sign-in sessions, kept on the server: the browser holds only an unguessable id (an HttpOnly cookie). In memory:
a restart signs everyone out, and several console instances need sticky sessions at the proxy (docs/console.md)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from slrt_shared.access.principal import Principal

from slrt_console.domain.session import Session


class Sessions:
    def __init__(self, *, lifetime: timedelta, limit: int = 100_000) -> None:
        self.lifetime, self.limit = lifetime, limit
        self._by_id: dict[str, Session] = {}

    def open(self, principal: Principal, token: str, *, token_expires_at: datetime | None = None) -> Session:
        now = datetime.now(UTC)
        self._sweep(now)
        ends = now + self.lifetime
        if token_expires_at is not None:
            ends = min(ends, token_expires_at)
        session = Session(id=secrets.token_urlsafe(32), principal=principal, token=token,
                          csrf=secrets.token_urlsafe(32), expires_at=ends)
        self._by_id[session.id] = session
        return session

    def find(self, session_id: str | None) -> Session | None:
        session = self._by_id.get(session_id or "")
        if session is None:
            return None
        if session.expired(datetime.now(UTC)):
            self._by_id.pop(session.id, None)
            return None
        return session

    def close(self, session_id: str | None) -> None:
        self._by_id.pop(session_id or "", None)

    def _sweep(self, now: datetime) -> None:
        if len(self._by_id) < self.limit:
            return
        for sid in [sid for sid, s in self._by_id.items() if s.expired(now)]:
            del self._by_id[sid]
        while len(self._by_id) >= self.limit:  # still full: the oldest sign-ins go first
            del self._by_id[next(iter(self._by_id))]
