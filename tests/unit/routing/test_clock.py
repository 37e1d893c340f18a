"""The escalation ladder of the contract: desa -> kecamatan -> kabupaten, then overdue once."""

from datetime import UTC, datetime, timedelta

import pytest
from slrt_routing.domain.clock import CannotEscalate, Escalate, Overdue, manual_escalation, next_level, on_clock_expired
from slrt_shared.codes import Level

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def deadline(level: Level, start: datetime) -> datetime:
    return start + timedelta(days={Level.DESA: 3, Level.KECAMATAN: 5, Level.KABUPATEN: 14}[level])


def test_the_ladder() -> None:
    assert next_level(Level.DESA) is Level.KECAMATAN
    assert next_level(Level.KECAMATAN) is Level.KABUPATEN
    assert next_level(Level.KABUPATEN) is None


def test_expiry_at_desa_escalates_to_kecamatan_with_its_own_deadline() -> None:
    out = on_clock_expired(level=Level.DESA, resolved=False, overdue=False, now=NOW, deadline=deadline)
    assert out == Escalate(Level.DESA, Level.KECAMATAN, NOW + timedelta(days=5), "sla_expired")


def test_expiry_at_kecamatan_escalates_to_kabupaten() -> None:
    out = on_clock_expired(level=Level.KECAMATAN, resolved=False, overdue=False, now=NOW, deadline=deadline)
    assert isinstance(out, Escalate) and out.to_level is Level.KABUPATEN


def test_expiry_at_kabupaten_is_overdue_once() -> None:
    assert on_clock_expired(level=Level.KABUPATEN, resolved=False, overdue=False, now=NOW,
                            deadline=deadline) == Overdue(Level.KABUPATEN)
    assert on_clock_expired(level=Level.KABUPATEN, resolved=False, overdue=True, now=NOW, deadline=deadline) is None


def test_a_resolved_case_never_escalates() -> None:
    assert on_clock_expired(level=Level.DESA, resolved=True, overdue=False, now=NOW, deadline=deadline) is None


def test_manual_escalation_moves_one_step_and_refuses_at_the_top_or_when_resolved() -> None:
    step = manual_escalation(level=Level.DESA, resolved=False, now=NOW, deadline=deadline)
    assert (step.to_level, step.reason) == (Level.KECAMATAN, "manual")
    with pytest.raises(CannotEscalate):
        manual_escalation(level=Level.KABUPATEN, resolved=False, now=NOW, deadline=deadline)
    with pytest.raises(CannotEscalate):
        manual_escalation(level=Level.DESA, resolved=True, now=NOW, deadline=deadline)
