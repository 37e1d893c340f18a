import pytest
from slrt_contracts.codes import ReasonCode
from slrt_contracts.codes import ReferralStatus as S
from slrt_routing.domain.referral import InvalidTransition, answer_code, transition


@pytest.mark.parametrize(("current", "wanted"), [
    (S.DISPATCHED, S.ACCEPTED), (S.DISPATCHED, S.REJECTED), (S.ACCEPTED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.RESOLVED), (S.ACCEPTED, S.RESOLVED), (S.DISPATCHED, S.RESOLVED),
])
def test_allowed(current: S, wanted: S) -> None:
    assert transition(current, wanted) is True


@pytest.mark.parametrize(("current", "wanted"), [
    (S.RESOLVED, S.ACCEPTED), (S.REJECTED, S.ACCEPTED), (S.IN_PROGRESS, S.REJECTED), (S.RESOLVED, S.REJECTED),
    (S.ACCEPTED, S.DISPATCHED), (S.IN_PROGRESS, S.ACCEPTED),
])
def test_refused_with_a_clear_message(current: S, wanted: S) -> None:
    with pytest.raises(InvalidTransition, match=f"{current.value} cannot become {wanted.value}"):
        transition(current, wanted)


def test_a_repeat_is_a_no_op() -> None:
    assert transition(S.RESOLVED, S.RESOLVED) is False


@pytest.mark.parametrize("code", [None, ReasonCode.NOT_ELIGIBLE])
def test_a_rejection_always_has_a_reason_code_other_answers_keep_theirs(code: ReasonCode | None) -> None:
    assert answer_code(S.REJECTED, code) == (code or ReasonCode.OTHER)
    for status in (S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED):
        assert answer_code(status, code) == code
