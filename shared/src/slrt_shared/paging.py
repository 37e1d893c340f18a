"""Keyset paging: a cursor names the last row of a page by its time and id, so the next page starts after it
whatever was written meanwhile. Opaque to callers (URL-safe base64 of ``<iso time>|<id>``)."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime

from slrt_contracts.fields import IDENTIFIER_PATTERN

from slrt_shared.db import utc
from slrt_shared.errors import SlrtError


class BadCursor(SlrtError):
    """Not a cursor a list of this system gave."""


def encode_cursor(at: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{utc(at).isoformat()}|{row_id}".encode()).decode()  # type: ignore[union-attr]


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """(time, id) of the row the cursor names; ``BadCursor`` for anything else."""
    try:
        at, row_id = base64.urlsafe_b64decode(cursor.encode("ascii")).decode().split("|", 1)
        if not re.fullmatch(IDENTIFIER_PATTERN, row_id):
            raise ValueError("not an id")
        return utc(datetime.fromisoformat(at)), row_id  # type: ignore[return-value]
    except (ValueError, UnicodeError, binascii.Error, OverflowError):
        raise BadCursor("not a cursor this list gave") from None
