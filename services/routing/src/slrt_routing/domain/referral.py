"""The referral lifecycle: dispatched -> accepted / rejected -> in_progress -> resolved."""

from __future__ import annotations

from slrt_contracts.codes import ReasonCode
from slrt_contracts.codes import ReferralStatus as S
from slrt_shared.errors import PermanentError

TRANSITIONS: dict[S, frozenset[S]] = {
    S.DISPATCHED: frozenset({S.ACCEPTED, S.REJECTED, S.IN_PROGRESS, S.RESOLVED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED}),
    S.REJECTED: frozenset(),
    S.RESOLVED: frozenset(),
}
FINAL = frozenset({S.RESOLVED, S.REJECTED})


class InvalidTransition(PermanentError):
    def __init__(self, current: S, wanted: S) -> None:
        super().__init__(f"a referral that is {current.value} cannot become {wanted.value}")
        self.current, self.wanted = current, wanted


def transition(current: S, wanted: S) -> bool:
    """True when the status changes; False for a repeat of the current status (an idempotent no-op).
    Raises ``InvalidTransition`` otherwise."""
    if wanted == current:
        return False
    if wanted not in TRANSITIONS[current]:
        raise InvalidTransition(current, wanted)
    return True


def answer_code(status: S, reason_code: ReasonCode | None) -> ReasonCode | None:
    """The reason code an answer is recorded and published with: a rejection always has one (``other`` when the
    owner gave none)."""
    if reason_code is None and status is S.REJECTED:
        return ReasonCode.OTHER
    return reason_code
