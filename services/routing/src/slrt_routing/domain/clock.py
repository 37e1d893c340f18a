"""The escalation model of the contract: one SLA clock per case, desa -> kecamatan -> kabupaten, then overdue.

Each step's clock counts from the deadline of the step before, never from when routing noticed that it ran
out: a sweep that runs late (routing was down across several deadlines) fires every missed step once, in
order, each with the deadline it would have had on time. A manual escalation is a supervisor acting now, so its
clock counts from now.

Pure: given the case's clock state and the time, say what happens. I/O lives in the service layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from slrt_contracts.codes import Level
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
    at: datetime  # the deadline that ran out at the top of the ladder: when the case became overdue


ClockOutcome = Escalate | Overdue | None


def on_clock_expired(*, level: Level, resolved: bool, overdue: bool, expired: datetime,
                     deadline: Deadline) -> ClockOutcome:
    """The clock of ``level`` ran out at ``expired`` (its deadline): escalate one step, whose clock counts from
    ``expired``, or report overdue at the top, once."""
    if resolved:
        return None
    up = next_level(level)
    if up is not None:
        return Escalate(from_level=level, to_level=up, deadline=deadline(up, expired), reason="sla_expired")
    if overdue:
        return None
    return Overdue(level=level, at=expired)


def missed_steps(*, level: Level, resolved: bool, overdue: bool, expired: datetime, now: datetime,
                 deadline: Deadline) -> list[Escalate | Overdue]:
    """Every step due by ``now``, in order, starting with the clock of ``level`` that ran out at ``expired``.

    Each step's deadline counts from the one before; a step whose deadline is still ahead of ``now`` is not
    taken (the last ``Escalate`` then holds the clock that is running). Nothing when ``expired`` is ahead of
    ``now`` or the case is resolved; at most one ``Overdue``, always last."""
    steps: list[Escalate | Overdue] = []
    while expired <= now:
        step = on_clock_expired(level=level, resolved=resolved, overdue=overdue, expired=expired, deadline=deadline)
        if step is None:
            break
        steps.append(step)
        if isinstance(step, Overdue):
            break
        if step.deadline <= expired:  # a ladder whose clocks do not move forward would never end
            raise ValueError("an SLA step must end after the one before")
        level, expired = step.to_level, step.deadline
    return steps


def manual_escalation(*, level: Level, resolved: bool, now: datetime, deadline: Deadline) -> Escalate:
    """A supervisor moves the case up one level at ``now``: the new level's clock counts from ``now``."""
    if resolved:
        raise CannotEscalate("a resolved case cannot be escalated")
    up = next_level(level)
    if up is None:
        raise CannotEscalate("the case is already at kabupaten, the top of the ladder")
    return Escalate(from_level=level, to_level=up, deadline=deadline(up, now), reason="manual")
