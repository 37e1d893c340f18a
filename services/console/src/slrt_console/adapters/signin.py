"""How an officer signs in. In production: OpenID Connect, authorization code with PKCE, against the issuer the
services trust (``SLRT_AUTH_ISSUER``); the access token it returns is what the console calls the services with.
In development (no issuer): a page that picks a role, a region and an owner id, and a token signed with the
development key under ``var/`` (the one ``slrt dev`` and ``slrt token issue`` use)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from slrt_shared.access.devkey import DevKey, new_subject
from slrt_shared.access.principal import Principal, Role, scope_of
from slrt_shared.access.tokens import TokenVerifier


class SignInRefused(Exception):
    """The sign-in did not give a usable token (bad state, refused code, claims the services would refuse)."""


def dev_token(var_dir: Path, *, role: Role, region: str, owner: str | None, audience: str,
              ttl: timedelta) -> tuple[Principal, str]:
    """A development token, as ``slrt token issue`` makes one (``ValueError``: a region or owner that is not one)."""
    if role is Role.OWNER and not owner:
        raise ValueError("owner")
    principal = Principal(sub=new_subject(role), role=role, scope=scope_of(region),
                          owner=owner if role is Role.OWNER else None)
    return principal, DevKey.load_or_create(var_dir).issue(principal, audience=audience, ttl=ttl)


@dataclass(frozen=True)
class PendingLogin:
    """What the console remembers between sending the browser to the issuer and its coming back."""

    state: str
    verifier: str
    nonce: str
    started_at: datetime


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    def __init__(self, *, issuer: str, client_id: str, client_secret: str | None, redirect_uri: str,
                 verifier: TokenVerifier, http: httpx.AsyncClient) -> None:
        self.issuer, self.client_id, self.client_secret = issuer.rstrip("/"), client_id, client_secret
        self.redirect_uri, self.verifier, self.http = redirect_uri, verifier, http
        self._metadata: dict[str, str] | None = None
        self._pending: dict[str, PendingLogin] = {}

    async def metadata(self) -> dict[str, str]:
        if self._metadata is None:
            r = await self.http.get(f"{self.issuer}/.well-known/openid-configuration")
            r.raise_for_status()
            self._metadata = r.json()
        return self._metadata

    async def start(self) -> str:
        """The issuer's authorization URL for a new login (state, nonce and a PKCE S256 challenge)."""
        pending = PendingLogin(state=secrets.token_urlsafe(24), verifier=secrets.token_urlsafe(48),
                               nonce=secrets.token_urlsafe(24), started_at=datetime.now(UTC))
        self._forget_old()
        self._pending[pending.state] = pending
        query = {"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
                 "scope": "openid", "state": pending.state, "nonce": pending.nonce,
                 "code_challenge": _challenge(pending.verifier), "code_challenge_method": "S256"}
        return f"{(await self.metadata())['authorization_endpoint']}?{urlencode(query)}"

    async def finish(self, *, state: str, code: str) -> tuple[Principal, str, datetime | None]:
        """Exchange the code for tokens; the access token must be one the services accept."""
        pending = self._pending.pop(state, None)
        if pending is None:
            raise SignInRefused("state")
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "client_id": self.client_id, "code_verifier": pending.verifier}
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        r = await self.http.post((await self.metadata())["token_endpoint"], data=form, auth=auth)
        if r.status_code != 200:
            raise SignInRefused("token")
        token = r.json().get("access_token")
        if not isinstance(token, str):
            raise SignInRefused("token")
        try:
            principal = await self.verifier.verify_async(token)
        except Exception as exc:
            raise SignInRefused("claims") from exc
        lifetime = r.json().get("expires_in")
        ends = datetime.now(UTC) + timedelta(seconds=int(lifetime)) if isinstance(lifetime, int) else None
        return principal, token, ends

    def _forget_old(self) -> None:
        horizon = datetime.now(UTC) - timedelta(minutes=10)
        for state in [s for s, p in self._pending.items() if p.started_at < horizon]:
            del self._pending[state]
