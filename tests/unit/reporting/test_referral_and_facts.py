"""Referrals, owners' SLA, the facts every region counts, the timeline and the event scrubbing."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from slrt_reporting.domain import events, facts, referral, timeline
from slrt_reporting.domain.facts import delta, local_day

from tests.unit.reporting.histories import T0, answered, dispatched, hours, long_history, milestone, registered
from tests.unit.reporting.test_case_model import project


def test_a_referral_only_moves_forward_and_knows_its_owner_late() -> None:
    ref = referral.apply(None, answered("r1", "resolved", hours(5)))
    ref = referral.apply(ref, answered("r1", "accepted", hours(1)))
    assert ref["status"] == "resolved" and ref["owner_id"] is None and referral.sla_outcome(ref) is None
    ref = referral.apply(ref, dispatched("r1", hours(0.01), due=timedelta(hours=4)))
    assert (ref["status"], ref["owner_id"], referral.sla_outcome(ref)) == ("resolved", "dinsos@32.01", "missed")
    on_time = referral.apply(referral.apply(None, dispatched("r2", hours(0))), answered("r2", "rejected", hours(3),
                                                                                         "bukan wewenang",
                                                                                         "not_our_authority"))
    assert referral.sla_outcome(on_time) == "met"
    assert (on_time["reason_code"], on_time["reason"]) == ("not_our_authority", "bukan wewenang")


def test_an_answer_keeps_its_codes_words_never_the_free_text_an_older_event_carried() -> None:
    older = answered("r1", "rejected", hours(3), "Bu Siti pindah ke Jl. Melati 10")
    ref = referral.apply(None, older)
    assert (ref["status"], ref["reason_code"], ref["reason"]) == ("rejected", None, None)
    entry = timeline.entry(older)
    assert entry["status"] == "rejected" and "reason" not in entry and "Melati" not in str(entry)
    newer = timeline.entry(answered("r2", "rejected", hours(3), "tidak memenuhi syarat", "not_eligible"))
    assert (newer["reason_code"], newer["reason"]) == ("not_eligible", "tidak memenuhi syarat")
    unknown = referral.apply(None, events.Event(kind="referral.resolved", at=older.at,
                                                data={**older.data, "reason_code": "a_newer_code"}))
    assert (unknown["reason_code"], unknown["reason"]) == (None, None)


def test_counters_move_by_the_difference_for_every_region_containing_the_case() -> None:
    before, _ = project([registered()])
    moves = delta(None, before)
    for region in ("nasional", "32", "32.01", "32.01.01", "32.01.01.1002"):
        assert moves[(region, "total", "")] == 1 and moves[(region, "status", "registered")] == 1
        assert moves[(region, "programme", "PIP")] == 1 and moves[(region, "programme_status", "PIP|registered")] == 1
    after, _ = project([registered(), dispatched("r1", hours(0.01))])
    moves = delta(before, after)
    assert moves[("32.01", "status", "registered")] == -1 and moves[("32.01", "status", "referred")] == 1
    assert ("32.01", "total", "") not in moves
    assert delta(after, after) == Counter()  # a duplicate changes nothing
    moved = {**after, "region_code": "32.01.02.2001"}  # a corrected desa: out of the old regions, into the new
    moves = delta(after, moved)
    assert moves[("32.01.01", "total", "")] == -1 and moves[("32.01.02", "total", "")] == 1
    assert ("32.01", "total", "") not in moves and ("nasional", "status", "referred") not in moves
    assert moves[("32.01.01.1002", "status", "referred")] == -1 and moves[("32.01.02.2001", "status", "referred")] == 1
    assert delta(moved, {**moved, "region_code": None}) == Counter(
        {(r, d, v): -n for (d, v), n in facts.facts(moved).items() for r in facts.regions_of("32.01.02.2001")})


def test_summed_moves_equal_the_facts_of_the_final_case_in_any_order() -> None:
    history = long_history()
    final, _ = project(history)
    expected = delta(None, final)
    for seed in range(50):
        shuffled = history[:]
        random.Random(seed).shuffle(shuffled)
        total: Counter = Counter()
        case, refs = project([])
        for event in shuffled:
            before = case
            case, refs = _step(case, refs, event)
            total.update(delta(before, case))
        assert Counter({k: v for k, v in total.items() if v}) == expected, seed


def _step(case: dict, refs: dict, event: events.Event) -> tuple[dict, dict]:
    from slrt_reporting.domain import case as c

    if event.kind.startswith("referral."):
        rid = event.data["referral_id"]
        refs = {**refs, rid: referral.apply(refs.get(rid), event)}
        case = c.with_referral(case, rid, referral.outcome(refs[rid]))
    return c.apply(case, event), refs


def test_the_facts_of_a_long_history() -> None:
    case, _ = project(long_history())
    got = facts.facts(case)
    assert got[("status", "in_progress")] == 1 and got[("started", "desa")] == 1
    assert got[("escalated", "any")] == got[("escalated", "kecamatan")] == got[("escalated", "kabupaten")] == 1
    assert got[("overdue", "open")] == 0  # the reopening restarted the clock
    assert got[("notification_sent", "sms")] == 2 and got[("notification_failed", "email")] == 1
    assert got[("owner_met", "disdik@32.01")] == 1  # rejected with a reason, on time
    assert got[("owner_missed", "dinsos@32.01")] == 1  # resolved after its due date
    assert got[("owner_open", "dinsos@32.01")] == 1  # the new referral after the reopening
    assert got[("status_day", f"closed|{local_day(hours(700), '32.01.01.1002')}")] == 1


def test_resolution_time_sla_and_days_in_the_desa_time_zone() -> None:
    case, _ = project([registered(), dispatched("r1", hours(0.01)), milestone("resolved", hours(30))])
    got = facts.facts(case)
    assert got[("resolution_time", "1-3d")] == 1 and got[("resolution_secs", "")] == 30 * 3600
    assert got[("sla", "met")] == 1 and got[("sla", "missed")] == 0  # within the three-day desa clock
    late, _ = project([registered(), dispatched("r1", hours(0.01), deadline=timedelta(days=1)),
                       milestone("resolved", hours(30))])
    assert facts.facts(late)[("sla", "missed")] == 1  # after the deadline, though routing had not said overdue
    late_evening = T0.replace(hour=18)  # 18:00 UTC is 01:00 the next day in WIB
    assert local_day(late_evening, "32.01.01.1002") == "2026-11-24"
    assert local_day(late_evening, "94.71.01.1001") == "2026-11-24"
    assert local_day(T0.replace(hour=16), "12.71.01.1001") == "2026-11-23"  # 23:00 WIB


def test_nothing_is_counted_before_the_registration() -> None:
    case, _ = project([dispatched("r1", hours(0.01)), answered("r1", "resolved", hours(1))])
    assert facts.facts(case) == Counter() and delta(None, case) == Counter()


def test_scrub_drops_personal_fields_and_masks_text() -> None:
    data = {"case_id": "c1", "reason": "NIK 3201015508950001, hubungi 081234567890 / siti@example.id",
            "name": "Siti", "citizen": {"nik": "3201015508950001"}, "nested": [{"phone": "0812"}]}
    clean = events.scrub(data)
    assert clean == {"case_id": "c1", "reason": "NIK [NIK], hubungi [PHONE] / [EMAIL]", "nested": [{}]}


def test_the_timeline_keeps_safe_fields_only() -> None:
    entry = timeline.entry(dispatched("r1", hours(0.01)))
    assert entry["programme"] == "PKH" and entry["owner_id"] == "dinsos@32.01"
    assert "rules_version" not in entry and "case_id" not in entry
    note = events.Event(kind="case.escalated", at=hours(1), data={
        "case_id": "c1", "from_level": "desa", "to_level": "kecamatan", "reason": "manual", "note": "Pak Budi"})
    assert timeline.entry(note) == {"from_level": "desa", "to_level": "kecamatan", "reason": "manual"}


def test_decode_ignores_types_reporting_does_not_project_and_refuses_invalid_data() -> None:
    import pytest
    from pydantic import ValidationError

    assert events.decode("id.slrt.case.contacts.v1", {"case_id": "c1"}, T0) is None
    assert events.decode("id.slrt.something.new.v1", {"case_id": "c1"}, T0) is None
    with pytest.raises(ValidationError):
        events.decode("id.slrt.case.escalated.v1", {"case_id": "c1", "to_level": "desa"}, T0)
    accepted = events.decode("id.slrt.referral.accepted.v1", {"case_id": "c1", "referral_id": "r1",
                                                             "status": "accepted", "extra": 1}, T0)
    assert accepted is not None and accepted.at == T0 and "extra" not in accepted.data
