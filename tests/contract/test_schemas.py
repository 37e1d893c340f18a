"""The JSON Schema of every contract model is snapshot-tested: a contract change shows up in review."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from slrt_contracts.commands import CaseRegistration, ComplaintBody
from slrt_contracts.registry import EVENT_TYPES

from tests.contract.snapshots import SNAPSHOTS, UPDATE, assert_matches_snapshot

#: The HTTP bodies of the contract, besides the events.
BODIES: dict[str, type[BaseModel]] = {"http.case-registration": CaseRegistration, "http.complaint": ComplaintBody}
MODELS: dict[str, type[BaseModel]] = {**BODIES, **{ce_type: model for ce_type, model in EVENT_TYPES.items()}}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_json_schema_matches_its_snapshot(name: str) -> None:
    assert_matches_snapshot(f"schemas/{name}.json", MODELS[name].model_json_schema())


def test_no_snapshot_is_left_for_a_model_that_is_gone() -> None:
    if UPDATE:
        for path in (SNAPSHOTS / "schemas").glob("*.json"):
            if path.stem not in MODELS:
                path.unlink()
    stale = sorted(p.stem for p in (SNAPSHOTS / "schemas").glob("*.json") if p.stem not in MODELS)
    assert stale == [], f"snapshots without a model (a removed or renamed event type?): {stale}"


def test_every_event_type_is_versioned_and_named_like_the_contract() -> None:
    for ce_type, model in EVENT_TYPES.items():
        assert ce_type == model.ce_type
        assert ce_type.startswith("id.slrt.") and ce_type.rsplit(".", 1)[1] == "v1"
