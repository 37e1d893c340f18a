"""How events change a case's read model: forward only within an episode, whatever the order of arrival."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from slrt_contracts.codes import Level
from slrt_reporting.domain import case as c
from slrt_reporting.domain import referral as r
from slrt_reporting.domain.events import Event

from tests.unit.reporting.histories import (
    DESA,
    T0,
    answered,
    complaint,
    dispatched,
    escalated,
    hours,
    long_history,
    milestone,
    notified,
    registered,
)


def project(events: list[Event]) -> tuple[dict, dict]:
    """What the projector does, without the database: referrals first, then the case."""
    case, referrals = c.new_case("c1"), {}
    for event in events:
        if event.kind.startswith("referral."):
            rid = event.data["referral_id"]
            referrals[rid] = r.apply(referrals.get(rid), event)
            case = c.with_referral(case, rid, r.outcome(referrals[rid]))
        case = c.apply(case, event)
    return case, referrals


def test_the_life_of_a_case() -> None:
    case, _ = project([registered()])
    assert (case["status"], case["level"], case["kabupaten_code"], case["start_level"]) == \
        ("registered", "desa", "32.01", "desa")
    case, _ = project([registered(), dispatched("r1", hours(0.01))])
    assert case["status"] == "referred" and case["deadline"] == T0 + timedelta(days=3)
    history = [registered(), dispatched("r1", hours(0.01)), answered("r1", "accepted", hours(1)),
               escalated(Level.KECAMATAN, hours(72), timedelta(days=8))]
    case, _ = project(history)
    assert (case["status"], case["level"], case["deadline"]) == ("in_progress", "kecamatan", T0 + timedelta(days=8))
    assert case["reached_kecamatan"] and not case["reached_kabupaten"]
    case, _ = project([*history, answered("r1", "resolved", hours(80)), milestone("resolved", hours(80))])
    assert case["status"] == "resolved" and case["resolved_at"] == hours(80) and c.owners(case) == ["dinsos@32.01"]


def test_an_older_event_arriving_late_does_not_move_the_case_back() -> None:
    resolved, _ = project([registered(), dispatched("r1", hours(0.01)), milestone("resolved", hours(48))])
    for late in (answered("r1", "accepted", hours(1)), dispatched("r2", hours(0.02)), registered()):
        assert c.apply(resolved, late)["status"] == "resolved"


def test_a_referral_before_its_registration_is_kept_and_merged() -> None:
    case, refs = project([answered("r1", "accepted", hours(1)), dispatched("r1", hours(0.01))])
    assert case["status"] == "in_progress" and case["registered_at"] is None  # not listed until registered
    assert refs["r1"]["status"] == "accepted" and refs["r1"]["owner_id"] == "dinsos@32.01"
    case = c.apply(case, registered())
    assert (case["status"], case["region_code"], case["case_number"]) == ("in_progress", DESA, "3201-2026-000001")


def test_a_reopening_starts_a_new_episode_in_any_order() -> None:
    before = [registered(), dispatched("r1", hours(0.01)), milestone("overdue", hours(20), Level.KABUPATEN),
              milestone("resolved", hours(24)), milestone("closed", hours(30))]
    after = [milestone("reopened", hours(40), deadline=timedelta(days=5)),
             dispatched("r2", hours(40.01), deadline=timedelta(days=5)),
             answered("r2", "accepted", hours(41))]
    for events in (before + after, after + before, [before[0], after[2], *before[1:], after[0], after[1]]):
        case, _ = project(events)
        assert case["status"] == "in_progress", events
        assert case["resolved_at"] is None and case["closed_at"] is None and not case["overdue"]
        assert case["deadline"] == T0 + timedelta(days=5) and case["level"] == "desa"
        assert case["milestones"]["resolved"] == hours(24).isoformat()


def test_a_late_reopening_leaves_a_newer_status_alone() -> None:
    case, _ = project([registered(), milestone("resolved", hours(24)), answered("r2", "accepted", hours(41)),
                       milestone("reopened", hours(40))])
    assert case["status"] == "in_progress" and case["opened_at"] == hours(40)


def test_a_status_from_a_clock_slightly_behind_the_registration_still_counts() -> None:
    case, _ = project([registered(hours(1)), dispatched("r1", hours(0.99))])
    assert case["status"] == "referred"


def test_notifications_and_complaints_are_counted() -> None:
    case, _ = project([notified("sent", "sms", hours(1)), notified("sent", "sms", hours(2), n=2),
                       notified("failed", "email", hours(2)), complaint(hours(3)), registered()])
    assert case["notifications"] == {"sent:sms": 2, "failed:email": 1} and case["complaints"] == 1


def test_the_same_events_in_any_order_make_the_same_case() -> None:
    history = long_history()
    expected, expected_refs = project(history)
    assert expected["status"] == "in_progress" and expected["complaints"] == 1
    assert expected["reached_kabupaten"] and expected["level"] == "desa"
    for seed in range(200):
        shuffled = history[:]
        random.Random(seed).shuffle(shuffled)
        assert project(shuffled) == (expected, expected_refs), seed


@settings(max_examples=200, deadline=None)
@given(st.permutations(range(len(long_history()))), st.integers(min_value=0, max_value=17))
def test_any_prefix_in_any_order_agrees_with_the_prefix_in_order(order: list[int], cut: int) -> None:
    history = long_history()
    chosen = sorted(order[:cut + 1])
    in_order = project([history[i] for i in chosen])
    shuffled = project([history[i] for i in order[:cut + 1]])
    assert shuffled == in_order
