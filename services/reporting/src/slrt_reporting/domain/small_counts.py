"""Small counts of sensitive PPKS, kept from analysts (statistical disclosure control; docs/privacy.md,
"Small counts").

A sensitive PPKS's count in a region is shown to an analyst only when at least ``threshold`` cases of the region
have it and at least ``threshold`` have not; otherwise it is hidden (``None``), zero included, so that a hidden
cell does not tell whether anyone at all has that PPKS. No hidden cell can be had back by subtraction: within a
region, a hidden cell is never alone (``hidden_cells``); across regions, whose counts add up to their parent's,
a child with cases never hides a count alone under a parent that shows it, and a parent that hides a count
always has a child with cases that hides it too (``hidden_in_group``). The rows of lists and exports carry no
sensitive PPKS for an analyst at all, whatever the counts: counting rows would undo all of this.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

RegionCells = tuple[Mapping[str, int], int]  # a region's by_ppks and its number of cases


@dataclass(frozen=True)
class SmallCounts:
    sensitive: frozenset[int]
    threshold: int

    def safe(self, count: int, total: int) -> bool:
        """The cell may be shown: enough cases have the PPKS, and enough have not."""
        return count >= self.threshold and total - count >= self.threshold

    def keys(self) -> list[str]:
        return [str(p) for p in sorted(self.sensitive)]

    def without_sensitive(self, ppks: Iterable[int] | None) -> list[int]:
        """A case's PPKS as an analyst sees them: the sensitive ones left out."""
        return [p for p in ppks or [] if p not in self.sensitive]


def _by_ordinal(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (10**6, key)


def hidden_cells(rule: SmallCounts, by_ppks: Mapping[str, int], total: int, *, also: Collection[str] = ()
                 ) -> set[str]:
    """The cells of one region's ``by_ppks`` an analyst does not see: sensitive ones not ``safe``, those in
    ``also`` (complements chosen by ``hidden_in_group``), and never one alone: with one hidden, the next-smallest
    shown cell too, a sensitive one if any (the rows of lists and exports show the others)."""
    cells = {**dict.fromkeys(rule.keys(), 0), **by_ppks}
    sensitive = set(rule.keys())
    hidden = {key for key in sensitive if not rule.safe(cells[key], total)} | (set(also) & set(cells))
    if len(hidden) == 1:
        shown = [key for key in cells if key not in hidden]
        candidates = [key for key in shown if key in sensitive] or shown
        if candidates:
            hidden.add(min(candidates, key=lambda key: (cells[key], _by_ordinal(key))))
    return hidden


def hide_ppks(rule: SmallCounts, by_ppks: Mapping[str, int], total: int, *,
              also: Collection[str] = ()) -> tuple[dict[str, int | None], list[str]]:
    """``by_ppks`` as an analyst sees it, and the names of its hidden cells (``by_ppks.<ordinal>``): every
    sensitive PPKS is a key (``0`` when no case has it, unless hidden); a hidden cell is ``None``."""
    cells = {**dict.fromkeys(rule.keys(), 0), **by_ppks}
    hidden = hidden_cells(rule, by_ppks, total, also=also)
    ordered = sorted(cells, key=_by_ordinal)
    return ({key: None if key in hidden else cells[key] for key in ordered},
            [f"by_ppks.{key}" for key in sorted(hidden, key=_by_ordinal)])


def hidden_in_group(rule: SmallCounts, parent_hidden: Collection[str] | None,
                    siblings: Mapping[str, RegionCells]) -> dict[str, set[str]]:
    """The hidden cells of each of a parent's children (all of them, those without cases included), given the
    cells the parent hides (``None``: there is no parent, ``siblings`` is ``nasional`` alone).

    The children's counts add up to the parent's, and ``by_region`` tells which children have cases (a child
    without any hides nothing real). So, for each sensitive PPKS: under a parent that shows it, a child with
    cases never hides it alone (the parent minus the others would give it back): the next-smallest child with
    cases hides it too; under a parent that hides it, not every child with cases shows it (their sum would be
    the parent's): the smallest hides it. Repeated until nothing changes (each round only hides more)."""
    hidden = {code: hidden_cells(rule, *region) for code, region in siblings.items()}
    if parent_hidden is None:
        return hidden
    with_cases = [code for code, (_, total) in siblings.items() if total > 0]
    changed = True
    while changed:
        changed = False
        for key in rule.keys():
            uncertain = [code for code in with_cases if key in hidden[code]]
            shown = [code for code in with_cases if key not in hidden[code]]
            given_away = len(uncertain) == 0 if key in parent_hidden else len(uncertain) == 1
            if not shown or not given_away:
                continue
            pick = min(shown, key=lambda code: (siblings[code][0].get(key, 0), code))
            hidden[pick] = hidden_cells(rule, *siblings[pick], also=hidden[pick] | {key})
            changed = True
    return hidden
