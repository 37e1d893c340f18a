"""Bearer tokens: JWTs with asymmetric signatures (PyJWT; no cryptography of our own).

Production: OpenID Connect access tokens from the issuer of ``SLRT_AUTH_ISSUER``, keys from its JWKS
(``SLRT_AUTH_JWKS_URL``), audience ``SLRT_AUTH_AUDIENCE``. Development: tokens that ``slrt token issue`` signs
with the development key under ``./var/`` (``devkey``), accepted only while no issuer is configured.

A token is judged as of a moment: now for an HTTP request, the message's ``ce_time`` for a Kafka command, so a
valid command never turns unauthorised because it waited in a partition.

A token whose signature checked out is remembered for a few minutes (``remember_seconds``, at most
``remember_tokens`` of them): an agency sends many commands with one token, and checking the signature was
the largest single cost of a command. What is remembered is the exact token's claims; the times and the
claims are judged again at every use, so only the signature check is saved. Keys of a JWKS are cached longer
than that already (an hour), so a key withdrawn by the issuer is not honoured for any longer than it was.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt

from slrt_shared.access.principal import NATIONAL, InvalidClaims, Principal, Role

ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
DEV_ISSUER = "slrt-dev"
DEV_ADMIN_SUBJECT = "dev-admin"


class TokenRejected(Exception):
    """Not a token this system accepts; ``reason`` is for logs and never names the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


KeyFor = Callable[[str], Any]  # the token -> the public key to check its signature with


@dataclass(frozen=True)
class TokenVerifier:
    key_for: KeyFor
    issuer: str
    audience: str
    leeway_seconds: float = 60.0
    dev_admin_token: str | None = None
    fetches_keys: bool = False  # ``key_for`` may do blocking I/O (a JWKS fetch on first use or a new key id)
    remember_seconds: float = 300.0
    remember_tokens: int = 1024
    clock: Callable[[], float] = time.monotonic
    _checked: OrderedDict[str, tuple[float, dict[str, Any]]] = field(
        default_factory=OrderedDict, init=False, repr=False, compare=False)

    async def verify_async(self, token: str, *, at: datetime | None = None) -> Principal:
        """``verify`` from a coroutine: off the event loop only when a key may have to be fetched."""
        if self.fetches_keys and self._remembered(token) is None:
            return await asyncio.to_thread(self.verify, token, at=at)
        return self.verify(token, at=at)

    def verify(self, token: str, *, at: datetime | None = None) -> Principal:
        """The principal of a valid token, judged as of ``at`` (default now); ``TokenRejected`` otherwise."""
        if self.dev_admin_token and secrets.compare_digest(token.encode(), self.dev_admin_token.encode()):
            return Principal(sub=DEV_ADMIN_SUBJECT, role=Role.ADMIN, scope=NATIONAL)
        claims = self._remembered(token)
        if claims is None:
            claims = self._signed_claims(token)
            self._remember(token, claims)
        self._check_times(claims, at or datetime.now(UTC))
        try:
            return Principal.from_claims(claims)
        except InvalidClaims as exc:
            raise TokenRejected(str(exc)) from None

    def _remembered(self, token: str) -> dict[str, Any] | None:
        found = self._checked.get(token)
        if found is None:
            return None
        if self.clock() - found[0] >= self.remember_seconds:
            self._checked.pop(token, None)
            return None
        return found[1]

    def _remember(self, token: str, claims: dict[str, Any]) -> None:
        if self.remember_seconds <= 0 or self.remember_tokens <= 0:
            return
        self._checked[token] = (self.clock(), claims)
        while len(self._checked) > self.remember_tokens:
            self._checked.popitem(last=False)

    def _signed_claims(self, token: str) -> dict[str, Any]:
        """The claims of a token signed with an accepted algorithm by the issuer's key, for this audience."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRejected("malformed") from None
        if header.get("alg") not in ASYMMETRIC:
            raise TokenRejected("algorithm not accepted")
        try:
            key = self.key_for(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"no key for the token ({type(exc).__name__})") from None
        try:
            claims = jwt.decode(
                token, key, algorithms=ASYMMETRIC, audience=self.audience, issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"], "verify_exp": False, "verify_nbf": False,
                         "verify_iat": False})
        except jwt.InvalidAudienceError:
            raise TokenRejected("wrong audience") from None
        except jwt.InvalidIssuerError:
            raise TokenRejected("wrong issuer") from None
        except jwt.InvalidSignatureError:
            raise TokenRejected("bad signature") from None
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"invalid ({type(exc).__name__})") from None
        return dict(claims)

    def _check_times(self, claims: dict[str, Any], at: datetime) -> None:
        moment = at.timestamp()
        try:
            exp = float(claims["exp"])
            nbf = float(claims.get("nbf", exp - 1e12))
            iat = float(claims.get("iat", nbf))
        except (TypeError, ValueError):
            raise TokenRejected("malformed time claims") from None
        if moment >= exp + self.leeway_seconds:
            raise TokenRejected("expired")
        if moment < nbf - self.leeway_seconds or moment < iat - self.leeway_seconds:
            raise TokenRejected("not yet valid")


def bearer(value: str | None) -> str:
    """The token of an ``Authorization`` value (``Bearer <token>``); ``TokenRejected`` when there is none."""
    if not value:
        raise TokenRejected("missing")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("not a bearer token")
    return token.strip()


def jwks_keys(url: str) -> KeyFor:
    """Keys from the issuer's JWKS, cached and refetched when a token names an unknown key id."""
    client = jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=5)
    return lambda token: client.get_signing_key_from_jwt(token).key
