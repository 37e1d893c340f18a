"""The development signing key: an Ed25519 key in ``<var>/dev-signing-key.pem``, made on first use.

``slrt token issue`` signs with it, and services started from the same folder accept its tokens while no
issuer is configured (``SLRT_AUTH_ISSUER``). It is a convenience for ``make run`` and tests, never for
production: the file is created readable by its owner only.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from slrt_shared.access.principal import Principal, Role
from slrt_shared.access.tokens import DEV_ISSUER

KEY_FILE = "dev-signing-key.pem"


@dataclass(frozen=True)
class DevKey:
    private: Ed25519PrivateKey

    @classmethod
    def load_or_create(cls, var_dir: Path) -> DevKey:
        path = var_dir / KEY_FILE
        if not path.exists():
            var_dir.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            try:  # exclusive: two processes starting at once keep one key
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as out:
                    out.write(pem)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(key)

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def issue(self, principal: Principal, *, audience: str, ttl: timedelta, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        claims: dict[str, object] = {
            "iss": DEV_ISSUER, "aud": audience, "sub": principal.sub, "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()), "exp": int((now + ttl).timestamp()), "jti": uuid.uuid4().hex,
            "slrt_role": principal.role.value, "slrt_region": principal.scope,
        }
        if principal.owner:
            claims["slrt_owner"] = principal.owner
        return jwt.encode(claims, self.private, algorithm="EdDSA", headers={"kid": "slrt-dev"})


def parse_ttl(text: str) -> timedelta:
    """``30s``, ``15m``, ``8h``, ``2d`` -> a duration; ``ValueError`` otherwise."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value, unit = text[:-1], text[-1:]
    if unit not in units or not value.isdigit() or int(value) <= 0:
        raise ValueError(f"not a duration: {text!r} (like 30s, 15m, 8h, 2d)")
    return timedelta(seconds=int(value) * units[unit])


def new_subject(role: Role) -> str:
    """An opaque subject for a token issued without ``--sub``: never a person's name, e-mail or NIK."""
    return f"{role.value}-{uuid.uuid4().hex[:12]}"
