"""What reporting forgets when a case's personal data is erased (``case.erased``): the free text of its
timeline and referrals, and the citizen's pseudonym in its event log. What stays is anonymous: the case's
region, needs, PPKS, statuses, levels, owners and times, so the figures do not change, and every logged event
stays valid against its contract, so a replay rebuilds the same read models."""

from __future__ import annotations

from typing import Any

ERASED_KIND = "case.erased"
ERASED = ""  # what an erased pseudonym holds (the contract requires the field)


def _free_text(kind: str) -> frozenset[str]:
    """The optional free-text fields of an event kind (an escalation's ``reason`` is a code, and stays)."""
    if kind.startswith("referral."):
        return frozenset({"reason", "note"})
    return frozenset({"note"})


def forgotten_entry(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A timeline entry without free text."""
    drop = _free_text(kind)
    return {k: v for k, v in data.items() if k not in drop}


def forgotten_event(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A logged event without free text, its pseudonym blanked."""
    drop = _free_text(kind)
    kept = {k: v for k, v in data.items() if k not in drop}
    if "citizen_ref" in kept:
        kept["citizen_ref"] = ERASED
    return kept
