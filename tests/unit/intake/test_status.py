"""The citizens' status look-up, pure: the next step told for each status and level, the phone digits matched in
constant time (never for a case without a phone or an erased one), misses that lock a case number, and whose
budget a look-up spends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slrt_contracts.codes import CaseStatus, Level
from slrt_intake.domain import status as domain
from slrt_intake.domain.status import NextStepCode as Code
from slrt_intake.entrypoints.status import client_of

S, L = CaseStatus, Level
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RULES = domain.LockRules(misses_before_lock=3, window=timedelta(minutes=10), lock=timedelta(minutes=30))


@pytest.mark.parametrize(("status", "level", "start", "code"), [
    (S.REGISTERED, L.DESA, L.DESA, Code.AWAITING_REFERRAL),
    (S.REFERRED, L.DESA, L.DESA, Code.AWAITING_OWNER),
    (S.IN_PROGRESS, L.DESA, L.DESA, Code.HANDLED_BY_OWNER),
    (S.REFERRED, L.KECAMATAN, L.DESA, Code.ESCALATED_TO_KECAMATAN),
    (S.IN_PROGRESS, L.KECAMATAN, L.DESA, Code.ESCALATED_TO_KECAMATAN),
    (S.REGISTERED, L.KABUPATEN, L.DESA, Code.ESCALATED_TO_KABUPATEN),
    (S.REFERRED, L.KABUPATEN, L.DESA, Code.ESCALATED_TO_KABUPATEN),
    # a case of the SLRT channel starts at kabupaten: there it is not escalated
    (S.REFERRED, L.KABUPATEN, L.KABUPATEN, Code.AWAITING_OWNER),
    (S.IN_PROGRESS, L.KABUPATEN, L.KABUPATEN, Code.HANDLED_BY_OWNER),
    (S.RESOLVED, L.KECAMATAN, L.DESA, Code.RESOLVED),
    (S.CLOSED, L.KABUPATEN, L.DESA, Code.CLOSED),
])
def test_the_next_step_follows_status_and_level(status: CaseStatus, level: Level, start: Level, code: Code) -> None:
    step = domain.next_step(status, level, start)
    assert step.code is code
    assert (step.id, step.en) == domain.WORDS[code]


def test_every_step_has_words_in_both_languages_and_a_finished_case_tells_of_complaints() -> None:
    assert set(domain.WORDS) == set(Code)
    for words_id, words_en in domain.WORDS.values():
        assert words_id and words_en and words_id != words_en
    for code in (Code.RESOLVED, Code.CLOSED):
        assert "pengaduan" in domain.WORDS[code][0] and "complaint" in domain.WORDS[code][1]


def test_every_status_at_every_level_has_a_step() -> None:
    for status in CaseStatus:
        for level in (L.DESA, L.KECAMATAN, L.KABUPATEN):
            for start in (L.DESA, L.KABUPATEN):
                assert domain.next_step(status, level, start).code in Code


def test_the_last_four_digits_of_a_stored_phone() -> None:
    assert domain.last4_of("+6281234567890") == b"7890"
    assert domain.last4_of("0812-3456-7890") == b"7890"
    assert domain.last4_of(None) == domain.last4_of("") == domain.last4_of("+62") == domain.NO_DIGITS


def test_a_pair_matches_only_a_found_case_with_that_phone_not_erased() -> None:
    assert domain.matches(found=True, phone="+6281234567890", erased=False, last4="7890")
    assert not domain.matches(found=True, phone="+6281234567890", erased=False, last4="7891")
    assert not domain.matches(found=False, phone=None, erased=False, last4="7890")
    assert not domain.matches(found=True, phone=None, erased=False, last4="7890")  # no phone given
    assert not domain.matches(found=True, phone="+6281234567890", erased=True, last4="7890")
    assert not domain.matches(found=True, phone=None, erased=True, last4="----")  # the stand-in is no pair


def test_misses_within_the_window_lock_the_number_then_counting_starts_afresh() -> None:
    first = domain.after_miss(None, NOW, RULES)
    assert first == domain.Misses(1, NOW) and domain.locked_for(first, NOW) == 0
    second = domain.after_miss(first, NOW + timedelta(minutes=1), RULES)
    assert second == domain.Misses(2, NOW)
    third = domain.after_miss(second, NOW + timedelta(minutes=2), RULES)
    assert third.locked_until == NOW + timedelta(minutes=32) and third.count == 0
    assert domain.locked_for(third, NOW + timedelta(minutes=2)) == 30 * 60
    assert domain.locked_for(third, NOW + timedelta(minutes=31)) == 60
    assert domain.locked_for(third, NOW + timedelta(minutes=32)) == 0  # over: asked again, counted again
    again = domain.after_miss(third, NOW + timedelta(minutes=33), RULES)
    assert again == domain.Misses(1, NOW + timedelta(minutes=33))


def test_a_window_that_ran_out_starts_again_at_the_next_miss() -> None:
    two = domain.Misses(2, NOW)
    late = NOW + RULES.window
    assert domain.after_miss(two, late, RULES) == domain.Misses(1, late)
    assert domain.after_miss(two, late - timedelta(seconds=1), RULES).locked_until is not None


def test_one_miss_may_lock_when_the_setting_says_so() -> None:
    strict = domain.LockRules(misses_before_lock=1, window=timedelta(minutes=1), lock=timedelta(seconds=5))
    assert domain.after_miss(None, NOW, strict) == domain.Misses(0, NOW, NOW + timedelta(seconds=5))


@pytest.mark.parametrize(("connection", "forwarded", "trusted", "client"), [
    ("203.0.113.7", [], 0, "203.0.113.7"),
    ("203.0.113.7", ["198.51.100.1"], 0, "203.0.113.7"),  # not trusted: ignored
    ("10.0.0.2", ["198.51.100.1"], 1, "198.51.100.1"),
    ("10.0.0.2", ["6.6.6.6, 198.51.100.1"], 1, "198.51.100.1"),  # the left part is the client's own writing
    ("10.0.0.3", ["6.6.6.6, 198.51.100.1", "10.0.0.2"], 2, "198.51.100.1"),
    ("10.0.0.2", [], 1, "10.0.0.2"),  # fewer entries than proxies: the connection's
    ("10.0.0.2", ["not-an-address"], 1, "10.0.0.2"),
    ("2001:db8:1:2:3:4:5:6", [], 0, "2001:db8:1:2::/64"),  # one IPv6 host holds a /64
    ("2001:db8:1:2:ffff::9", [], 0, "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", [], 0, "203.0.113.7"),
    ("testclient", [], 0, "testclient"),
])
def test_whose_budget_a_look_up_spends(connection: str, forwarded: list[str], trusted: int, client: str) -> None:
    assert client_of(connection, forwarded, trusted) == client
