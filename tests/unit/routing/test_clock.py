"""The escalation ladder of the contract: desa -> kecamatan -> kabupaten, then overdue once; each step's clock
counts from the deadline that expired, so a late sweep fires every missed step once, in order."""

from datetime import UTC, datetime, timedelta

import pytest
from slrt_contracts.codes import Level
from slrt_routing.domain.clock import (
    CannotEscalate,
    Escalate,
    Overdue,
    manual_escalation,
    missed_steps,
    next_level,
    on_clock_expired,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def deadline(level: Level, start: datetime) -> datetime:
    return start + timedelta(days={Level.DESA: 3, Level.KECAMATAN: 5, Level.KABUPATEN: 14}[level])


def test_the_ladder() -> None:
    assert next_level(Level.DESA) is Level.KECAMATAN
    assert next_level(Level.KECAMATAN) is Level.KABUPATEN
    assert next_level(Level.KABUPATEN) is None


def test_expiry_at_desa_escalates_to_kecamatan_with_its_own_deadline() -> None:
    out = on_clock_expired(level=Level.DESA, resolved=False, overdue=False, expired=NOW, deadline=deadline)
    assert out == Escalate(Level.DESA, Level.KECAMATAN, NOW + timedelta(days=5), "sla_expired")


def test_expiry_at_kecamatan_escalates_to_kabupaten() -> None:
    out = on_clock_expired(level=Level.KECAMATAN, resolved=False, overdue=False, expired=NOW, deadline=deadline)
    assert isinstance(out, Escalate) and out.to_level is Level.KABUPATEN


def test_expiry_at_kabupaten_is_overdue_once() -> None:
    assert on_clock_expired(level=Level.KABUPATEN, resolved=False, overdue=False, expired=NOW,
                            deadline=deadline) == Overdue(Level.KABUPATEN, NOW)
    assert on_clock_expired(level=Level.KABUPATEN, resolved=False, overdue=True, expired=NOW, deadline=deadline) is None


def test_a_resolved_case_never_escalates() -> None:
    assert on_clock_expired(level=Level.DESA, resolved=True, overdue=False, expired=NOW, deadline=deadline) is None


def test_manual_escalation_moves_one_step_and_refuses_at_the_top_or_when_resolved() -> None:
    step = manual_escalation(level=Level.DESA, resolved=False, now=NOW, deadline=deadline)
    assert (step.to_level, step.reason) == (Level.KECAMATAN, "manual")
    with pytest.raises(CannotEscalate):
        manual_escalation(level=Level.KABUPATEN, resolved=False, now=NOW, deadline=deadline)
    with pytest.raises(CannotEscalate):
        manual_escalation(level=Level.DESA, resolved=True, now=NOW, deadline=deadline)


def test_the_next_clock_counts_from_the_deadline_that_expired_not_from_when_it_was_noticed() -> None:
    expired = NOW - timedelta(days=2)  # noticed two days late
    out = on_clock_expired(level=Level.DESA, resolved=False, overdue=False, expired=expired, deadline=deadline)
    assert out == Escalate(Level.DESA, Level.KECAMATAN, expired + timedelta(days=5), "sla_expired")


def test_a_sweep_far_later_fires_every_missed_step_once_in_order_each_from_the_deadline_before() -> None:
    desa_deadline = NOW
    kecamatan_deadline = desa_deadline + timedelta(days=5)
    kabupaten_deadline = kecamatan_deadline + timedelta(days=14)
    steps = missed_steps(level=Level.DESA, resolved=False, overdue=False, expired=desa_deadline,
                         now=NOW + timedelta(days=60), deadline=deadline)
    assert steps == [Escalate(Level.DESA, Level.KECAMATAN, kecamatan_deadline, "sla_expired"),
                     Escalate(Level.KECAMATAN, Level.KABUPATEN, kabupaten_deadline, "sla_expired"),
                     Overdue(Level.KABUPATEN, kabupaten_deadline)]


def test_steps_still_ahead_after_catching_up_are_not_taken() -> None:
    # late past the desa and kecamatan deadlines, one second before the kabupaten one
    now = NOW + timedelta(days=5 + 14) - timedelta(seconds=1)
    steps = missed_steps(level=Level.DESA, resolved=False, overdue=False, expired=NOW, now=now, deadline=deadline)
    assert [(s.from_level, s.to_level) for s in steps if isinstance(s, Escalate)] == [
        (Level.DESA, Level.KECAMATAN), (Level.KECAMATAN, Level.KABUPATEN)]
    running = steps[-1]
    assert len(steps) == 2 and isinstance(running, Escalate) and running.deadline == now + timedelta(seconds=1)
    # exactly at a deadline, that deadline has expired
    at_the_deadline = missed_steps(level=Level.DESA, resolved=False, overdue=False, expired=NOW,
                                   now=NOW + timedelta(days=5), deadline=deadline)
    assert [type(s) for s in at_the_deadline] == [Escalate, Escalate]


def test_no_step_before_the_deadline_when_resolved_or_already_overdue() -> None:
    later = NOW + timedelta(days=60)
    assert missed_steps(level=Level.DESA, resolved=False, overdue=False, expired=NOW,
                        now=NOW - timedelta(seconds=1), deadline=deadline) == []
    assert missed_steps(level=Level.DESA, resolved=True, overdue=False, expired=NOW, now=later,
                        deadline=deadline) == []
    assert missed_steps(level=Level.KABUPATEN, resolved=False, overdue=True, expired=NOW, now=later,
                        deadline=deadline) == []
    assert missed_steps(level=Level.KECAMATAN, resolved=False, overdue=False, expired=NOW, now=later,
                        deadline=deadline) == [
        Escalate(Level.KECAMATAN, Level.KABUPATEN, NOW + timedelta(days=14), "sla_expired"),
        Overdue(Level.KABUPATEN, NOW + timedelta(days=14))]


def test_drill_seconds_count_from_the_deadline_too() -> None:
    def drill(level: Level, start: datetime) -> datetime:
        return start + timedelta(seconds=4)

    steps = missed_steps(level=Level.DESA, resolved=False, overdue=False, expired=NOW,
                         now=NOW + timedelta(seconds=7), deadline=drill)
    assert [getattr(s, "deadline", None) for s in steps] == [NOW + timedelta(seconds=4), NOW + timedelta(seconds=8)]


def test_a_manual_escalation_counts_from_now_the_supervisor_acting() -> None:
    step = manual_escalation(level=Level.DESA, resolved=False, now=NOW, deadline=deadline)
    assert step.deadline == NOW + timedelta(days=5)
