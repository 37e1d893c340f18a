"""A principal's scope as a SQL condition: a region code column within the scope (``nasional``: every row)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from slrt_shared.access.principal import NATIONAL


def within(column: Any, scope: str) -> Any:
    """``column`` (a region code, dotted) is the scope's region or lies below it."""
    if scope == NATIONAL:
        return sa.true()
    return sa.or_(column == scope, column.like(scope + ".%"))  # a scope is a checked code: digits and dots
