"""Small counts of sensitive PPKS for analysts: which cells are hidden, their complements within ``by_ppks`` and
among sibling regions, and the settings that choose the PPKS and the threshold."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError
from slrt_reporting.domain.small_counts import SmallCounts, hidden_cells, hidden_in_group, hide_ppks
from slrt_reporting.settings import ReportingSettings

RULE = SmallCounts(frozenset({10, 16, 18, 19}), 5)


def test_a_sensitive_cell_shows_only_when_enough_cases_have_it_and_enough_have_not() -> None:
    assert [RULE.safe(n, 20) for n in (0, 1, 4, 5, 15, 16, 20)] == [False, False, False, True, True, False, False]
    assert not RULE.safe(5, 9) and RULE.safe(5, 10)


def test_small_and_zero_sensitive_cells_are_hidden_and_named() -> None:
    shown, hidden = hide_ppks(RULE, {"24": 30, "16": 3, "18": 7, "19": 9, "10": 6}, 40)
    # 16 alone would be hidden: the next-smallest sensitive cell (10, six cases) is hidden with it
    assert shown == {"10": None, "16": None, "18": 7, "19": 9, "24": 30}
    assert hidden == ["by_ppks.10", "by_ppks.16"]
    shown, hidden = hide_ppks(RULE, {"24": 30, "16": 3, "18": 2, "19": 9, "10": 6}, 40)
    assert hidden == ["by_ppks.16", "by_ppks.18"] and shown["10"] == 6  # two hidden: no complement needed
    # no case of a sensitive PPKS looks exactly like a few: every sensitive PPKS is a key, zero ones hidden
    shown, hidden = hide_ppks(RULE, {"24": 12}, 12)
    assert shown == {"10": None, "16": None, "18": None, "19": None, "24": 12}
    assert hidden == ["by_ppks.10", "by_ppks.16", "by_ppks.18", "by_ppks.19"]


def test_a_lone_hidden_cell_takes_the_next_smallest_one_with_it() -> None:
    big = {"10": 50, "16": 2, "18": 8, "19": 40, "24": 6, "1": 1}
    shown, hidden = hide_ppks(RULE, big, 200)
    assert hidden == ["by_ppks.16", "by_ppks.18"]  # a sensitive complement, though 1 and 24 are smaller
    assert shown["1"] == 1 and shown["24"] == 6 and shown["10"] == 50
    only = SmallCounts(frozenset({16}), 5)
    shown, hidden = hide_ppks(only, {"16": 2, "24": 9, "1": 3}, 20)
    assert hidden == ["by_ppks.1", "by_ppks.16"] and shown == {"1": None, "16": None, "24": 9}
    shown, hidden = hide_ppks(only, {"16": 3}, 3)
    assert (shown, hidden) == ({"16": None}, ["by_ppks.16"])  # nothing else to hide
    assert hide_ppks(only, {"16": 6, "24": 9}, 20) == ({"16": 6, "24": 9}, [])


def test_a_cell_hidden_as_a_complement_elsewhere_is_hidden_and_takes_another() -> None:
    cells = {"10": 50, "16": 40, "18": 30, "19": 20, "24": 9}
    assert hide_ppks(RULE, cells, 200) == (cells, [])
    shown, hidden = hide_ppks(RULE, cells, 200, also={"16"})
    assert hidden == ["by_ppks.16", "by_ppks.19"] and shown["24"] == 9


def recovered(parent: int, kids: dict[str, int], hidden: dict[str, set[str]], key: str) -> dict[str, int]:
    """What subtraction gives back: the one hidden child's count, when the parent and the others are shown."""
    unknown = [code for code in kids if key in hidden[code]]
    return {unknown[0]: parent - sum(n for c, n in kids.items() if c not in unknown)} if len(unknown) == 1 else {}


def test_one_hidden_child_under_a_parent_that_shows_takes_the_next_smallest_child_with_it() -> None:
    only = SmallCounts(frozenset({16}), 5)
    kids = {"a": 2, "b": 9, "c": 6, "d": 20}
    group = {code: ({"16": n}, 50) for code, n in kids.items()} | {"e": ({}, 0)}  # e: no case at all
    hidden = hidden_in_group(only, set(), group)
    assert hidden["a"] == hidden["c"] == {"16"} and hidden["b"] == hidden["d"] == set()
    assert recovered(37, kids, hidden, "16") == {}
    # without the complement, 37 - 9 - 6 - 20 would be a's 2 (e's hiding counts for nothing: it has no case)
    alone = {code: hidden_cells(only, *region) for code, region in group.items()}
    assert alone["e"] == {"16"} and recovered(37, kids, alone, "16") == {"a": 2}
    # with two hidden children already, nothing more is hidden
    two = hidden_in_group(only, set(), {**group, "f": ({"16": 1}, 3)})
    assert [code for code, keys in two.items() if keys] == ["a", "e", "f"]


def test_a_parent_that_hides_a_count_has_a_child_with_cases_that_hides_it_too() -> None:
    only = SmallCounts(frozenset({16}), 5)
    group = {"a": ({"16": 6, "24": 6}, 12), "b": ({}, 0)}
    assert hidden_in_group(only, set(), group)["a"] == set()
    assert hidden_in_group(only, {"16"}, group)["a"] == {"16", "24"}  # else a's six would be the parent's six
    assert hidden_in_group(only, None, {"nasional": ({"16": 6}, 20)}) == {"nasional": set()}


def test_complements_spread_until_no_subtraction_is_left() -> None:
    # two sensitive PPKS; a hides 19 (one case), so also 16 (within a); b must then hide 16 and 19 too
    group = {"a": ({"16": 8, "19": 1, "24": 9}, 18), "b": ({"16": 6, "19": 6, "24": 6}, 18), "c": ({}, 0)}
    rule = SmallCounts(frozenset({16, 19}), 5)
    hidden = hidden_in_group(rule, set(), group)
    assert hidden == {"a": {"16", "19"}, "b": {"16", "19"}, "c": {"16", "19"}}
    assert recovered(14, {"a": 8, "b": 6}, hidden, "16") == recovered(7, {"a": 1, "b": 6}, hidden, "19") == {}


@pytest.mark.parametrize("seed", range(40))
def test_in_any_group_no_hidden_count_stands_alone(seed: int) -> None:
    chance = random.Random(seed)
    rule = SmallCounts(frozenset({10, 16, 19}), chance.choice([3, 5, 10]))
    group = {}
    for code in "abcdefg"[:chance.randint(1, 7)]:
        cells = {key: chance.choice([0, 0, 1, 2, 4, 5, 6, 9, 30]) for key in ("10", "16", "19", "24")}
        group[code] = ({k: n for k, n in cells.items() if n}, max(cells.values()) + chance.choice([0, 1, 3, 12]))
    sums = {key: sum(cells.get(key, 0) for cells, _ in group.values()) for key in ("10", "16", "19", "24")}
    parent = ({k: n for k, n in sums.items() if n}, sum(total for _, total in group.values()))
    # the parent hides what it must, and maybe more as the complement of a cell of its own siblings
    parent_hidden = None if seed % 5 == 0 else hidden_cells(rule, *parent, also=chance.choice([(), ("16",)]))
    hidden = hidden_in_group(rule, parent_hidden, group)
    with_cases = [code for code, (_, total) in group.items() if total]
    for code, (cells, total) in group.items():
        assert hidden_cells(rule, cells, total) <= hidden[code]
        assert len(hidden[code]) != 1 or set({**dict.fromkeys(rule.keys(), 0), **cells}) == hidden[code]
    if parent_hidden is None or not with_cases:
        return
    for key in rule.keys():
        unknown = [code for code in with_cases if key in hidden[code]]
        assert len(unknown) >= 1 if key in parent_hidden else len(unknown) != 1, (key, hidden)


def test_settings_choose_the_sensitive_ppks_and_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    default = ReportingSettings().small_counts
    assert {10, 16, 18, 19} <= default.sensitive and default.threshold == 5 and 24 not in default.sensitive
    monkeypatch.setenv("SLRT_REPORTING_SENSITIVE_PPKS", "[19, 16]")
    monkeypatch.setenv("SLRT_REPORTING_SMALL_COUNT_THRESHOLD", "10")
    assert ReportingSettings().small_counts == SmallCounts(frozenset({16, 19}), 10)
    monkeypatch.setenv("SLRT_REPORTING_SENSITIVE_PPKS", "[16, 27]")
    with pytest.raises(ValidationError, match="27"):
        ReportingSettings()
    monkeypatch.setenv("SLRT_REPORTING_SENSITIVE_PPKS", "[]")
    monkeypatch.setenv("SLRT_REPORTING_SMALL_COUNT_THRESHOLD", "0")
    with pytest.raises(ValidationError, match="threshold"):
        ReportingSettings()


def test_an_analysts_row_has_no_sensitive_ppks() -> None:
    assert RULE.without_sensitive([16, 24, 19, 1]) == [24, 1] and RULE.without_sensitive(None) == []
