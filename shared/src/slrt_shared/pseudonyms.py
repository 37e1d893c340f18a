"""Pseudonyms of citizens: ``citizen_ref``, a keyed hash of the NIK that names the key it was made with.

Format: ``cit_<kid>_<hex>``: ``kid`` is the key's id (1 to 3 lowercase letters or digits), ``hex`` the first
128 bits of HMAC-SHA256(key, NIK) in hex; at most 40 characters. A ref made before keys had ids reads
``cit_<hex>``. To everyone but intake the ref is an opaque string; without the key it cannot be turned back
into a NIK (the key must therefore be long and random: a NIK has only about 10^4 serials per kecamatan and
birth date).

The key can be rotated: intake makes new refs with the current key and still knows the previous ones, so
``Pseudonyms.all_refs(nik)`` gives every ref a citizen may have been given (docs/PSEUDONYMS.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "cit_"
MIN_LENGTH = 32
MIN_DISTINCT = 8
MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
#: Values that were published (the old development default, the compose file's placeholder): never a key.
PUBLIC_VALUES = frozenset({"slrt-development-pseudonym-key", "change-me-to-a-long-random-secret"})
DEV_KEY_FILE = "dev-pseudonym-key"
DEV_KEY_ID = "dev"
_KID = re.compile(r"^[a-z0-9]{1,3}\Z")
_REF = re.compile(r"^cit_(?:(?P<kid>[a-z0-9]{1,3})_)?(?P<mac>[0-9a-f]{32})\Z")


class PseudonymKeyError(ValueError):
    """The pseudonym key settings cannot be used; the message names the variable and says what to do."""


@dataclass(frozen=True)
class PseudonymKey:
    kid: str
    secret: str = field(repr=False)

    def mac(self, nik: str) -> str:
        return hmac.new(self.secret.encode(), nik.encode(), hashlib.sha256).hexdigest()[:32]

    def ref(self, nik: str) -> str:
        return f"{PREFIX}{self.kid}_{self.mac(nik)}"


@dataclass(frozen=True)
class Pseudonyms:
    """The current key, which makes every new ref, and the previous keys, whose refs are still recognised."""

    current: PseudonymKey
    previous: tuple[PseudonymKey, ...] = ()

    def citizen_ref(self, nik: str) -> str:
        return self.current.ref(nik)

    def all_refs(self, nik: str) -> list[str]:
        """Every ref ``nik`` may carry anywhere: under the current key first, then each previous key, then the
        same keys' refs from before key ids (``cit_<hex>``)."""
        keys = (self.current, *self.previous)
        return [k.ref(nik) for k in keys] + [PREFIX + k.mac(nik) for k in keys]


def key_id_of(ref: str) -> str | None:
    """The id of the key ``ref`` was made with; ``None`` for a ref from before key ids (or not a ref)."""
    match = _REF.match(ref)
    return match["kid"] if match else None


def weakness(secret: str | None) -> str | None:
    """Why ``secret`` may not be the current key, or ``None`` if it may."""
    if not secret:
        return "is not set"
    if secret.strip() in PUBLIC_VALUES:
        return "is a published example value, not a secret"
    if len(secret) < MIN_LENGTH or len(set(secret)) < MIN_DISTINCT:
        return f"is too weak (at least {MIN_LENGTH} random characters)"
    return None


def pseudonyms(*, key: str | None, key_id: str, previous: str | None = None) -> Pseudonyms:
    """The keys from their settings: ``SLRT_PSEUDONYM_KEY``, ``SLRT_PSEUDONYM_KEY_ID`` and
    ``SLRT_PSEUDONYM_PREVIOUS_KEYS`` (``kid:key,kid:key``). Raises ``PseudonymKeyError`` with a one-line reason."""
    problem = weakness(key)
    if problem or key is None:
        raise PseudonymKeyError(
            f"SLRT_PSEUDONYM_KEY {problem}: intake needs a secret key of at least {MIN_LENGTH} random characters "
            f"to pseudonymise NIKs; make one with {MAKE_ONE} and keep it (`slrt dev` makes its own)")
    if not _KID.match(key_id):
        raise PseudonymKeyError(f"SLRT_PSEUDONYM_KEY_ID must be 1 to 3 lowercase letters or digits (like 1, 2, k7), "
                                f"not {key_id[:20]!r}")
    current = PseudonymKey(key_id, key)
    older: list[PseudonymKey] = []
    for n, item in enumerate(part.strip() for part in (previous or "").split(",") if part.strip()):
        kid, sep, secret = item.partition(":")
        if not sep or not _KID.match(kid) or not secret:
            raise PseudonymKeyError(f"SLRT_PSEUDONYM_PREVIOUS_KEYS entry {n + 1} is not kid:key (kid: 1 to 3 "
                                    "lowercase letters or digits; entries separated by commas)")
        if kid in {k.kid for k in (current, *older)} or secret in {k.secret for k in (current, *older)}:
            raise PseudonymKeyError(f"SLRT_PSEUDONYM_PREVIOUS_KEYS entry {n + 1} repeats a key id or a key; "
                                    "each key has an id of its own")
        older.append(PseudonymKey(kid, secret))
    return Pseudonyms(current, tuple(older))


def dev_key(var_dir: Path) -> str:
    """The development key in ``<var>/dev-pseudonym-key``, made on first use (random, readable by its owner
    only), for ``slrt dev``; never for production."""
    path = var_dir / DEV_KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        draft = var_dir / f".{DEV_KEY_FILE}.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
        try:  # whole or not at all: two processes starting at once keep the first one's key
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
