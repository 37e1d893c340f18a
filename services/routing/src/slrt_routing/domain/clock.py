"""The escalation model of the contract: one SLA clock per case, desa -> kecamatan -> kabupaten, then overdue.

Pure: given the case's clock state and the time, say what happens. I/O lives in the service layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from slrt_shared.codes import Level
from slrt_shared.errors import PermanentError

LADDER: tuple[Level, ...] = (Level.DESA, Level.KECAMATAN, Level.KABUPATEN)

#: (level, start) -> deadline of that level's step
Deadline = Callable[[Level, datetime], datetime]


class CannotEscalate(PermanentError):
    pass


def next_level(level: Level) -> Level | None:
    i = LADDER.index(level) if level in LADDER else len(LADDER) - 1
    return LADDER[i + 1] if i + 1 < len(LADDER) else None


@dataclass(frozen=True)
class Escalate:
    from_level: Level
    to_level: Level
    deadline: datetime
    reason: Literal["sla_expired", "manual"]


@dataclass(frozen=True)
class Overdue:
    level: Level


ClockOutcome = Escalate | Overdue | None


def on_clock_expired(*, level: Level, resolved: bool, overdue: bool, now: datetime, deadline: Deadline) -> ClockOutcome:
    """The clock of ``level`` ran out at ``now``: escalate one step, or report overdue at the top, once."""
    if resolved:
        return None
    up = next_level(level)
    if up is not None:
        return Escalate(from_level=level, to_level=up, deadline=deadline(up, now), reason="sla_expired")
    if overdue:
        return None
    return Overdue(level=level)


def manual_escalation(*, level: Level, resolved: bool, now: datetime, deadline: Deadline) -> Escalate:
    if resolved:
        raise CannotEscalate("a resolved case cannot be escalated")
    up = next_level(level)
    if up is None:
        raise CannotEscalate("the case is already at kabupaten, the top of the ladder")
    return Escalate(from_level=level, to_level=up, deadline=deadline(up, now), reason="manual")
