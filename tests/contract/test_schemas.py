"""The JSON Schema of every contract model is snapshot-tested: a contract change shows up in review. The
messages' schemas are the published ones, ``docs/schemas/<ce_type>.json``, each named by its ``ce_dataschema``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel
from slrt_contracts.commands import CaseRegistration, ComplaintBody
from slrt_contracts.registry import EVENT_TYPES
from slrt_contracts.schemas import dataschema, published

from tests.contract.snapshots import SNAPSHOTS, UPDATE, assert_matches_snapshot

PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "schemas"
#: The HTTP bodies of the contract, besides the messages (their schemas are in the OpenAPI documents).
BODIES: dict[str, type[BaseModel]] = {"http.case-registration": CaseRegistration, "http.complaint": ComplaintBody}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_an_http_body_s_json_schema_matches_its_snapshot(name: str) -> None:
    assert_matches_snapshot(f"schemas/{name}.json", BODIES[name].model_json_schema())


@pytest.mark.parametrize("ce_type", sorted(EVENT_TYPES))
def test_each_message_s_published_schema_is_its_model_s(ce_type: str) -> None:
    assert_matches_snapshot(f"{ce_type}.json", published()[ce_type], root=PUBLISHED)
    document = json.loads((PUBLISHED / f"{ce_type}.json").read_text(encoding="utf-8"))
    assert document["$id"] == dataschema(ce_type) == f"urn:slrt:schema:{ce_type}"


def test_no_schema_is_left_for_a_type_that_is_gone() -> None:
    for folder, names in ((SNAPSHOTS / "schemas", set(BODIES)), (PUBLISHED, set(EVENT_TYPES))):
        if UPDATE:
            for path in folder.glob("*.json"):
                if path.stem not in names:
                    path.unlink()
        stale = sorted(p.stem for p in folder.glob("*.json") if p.stem not in names)
        assert stale == [], f"schemas without a model in {folder} (a removed or renamed type?): {stale}"


def test_every_event_type_is_versioned_and_named_like_the_contract() -> None:
    for ce_type, model in EVENT_TYPES.items():
        assert ce_type == model.ce_type
        assert ce_type.startswith("id.slrt.") and ce_type.rsplit(".", 1)[1] == "v1"
