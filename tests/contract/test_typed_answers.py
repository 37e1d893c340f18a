"""Routing's and reporting's answers are typed in their OpenAPI documents, so generated clients are usable: every
JSON answer of a ``/v1`` route names its schema, and that schema refuses keys it does not list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.contract.test_asyncapi_services import client

#: Answers that are files, not JSON.
FILES = {("reporting", "get", "/v1/export.csv"), ("reporting", "get", "/v1/export.xlsx")}


def answers(service: str, tmp_path: Path) -> tuple[dict[str, Any], list[tuple[str, str, dict[str, Any]]]]:
    doc = client(service, tmp_path).get("/openapi.json").json()
    found = []
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            if not path.startswith("/v1") or (service, method, path) in FILES:
                continue
            ok = next(v for k, v in operation["responses"].items() if k.startswith("2"))
            found.append((method, path, ok))
    return doc, found


@pytest.mark.parametrize("service", ["routing", "reporting"])
def test_every_json_answer_names_a_closed_schema(service: str, tmp_path: Path) -> None:
    doc, found = answers(service, tmp_path)
    assert found
    for method, path, ok in found:
        if "content" not in ok:  # 204: no body
            continue
        schema = ok["content"]["application/json"]["schema"]
        schema = schema["items"] if schema.get("type") == "array" else schema  # a list of a named schema
        assert "$ref" in schema, f"{method.upper()} {path} answers an untyped body"
        name = schema["$ref"].rsplit("/", 1)[-1]
        assert doc["components"]["schemas"][name].get("additionalProperties") is False, name


def test_reporting_s_case_answer_spells_out_referrals_and_timeline(tmp_path: Path) -> None:
    doc, _ = answers("reporting", tmp_path)
    schemas = doc["components"]["schemas"]
    case = schemas["CaseView"]["properties"]
    assert case["referrals"]["items"] == {"$ref": "#/components/schemas/CaseReferral"}
    assert case["timeline"]["items"] == {"$ref": "#/components/schemas/TimelineEntry"}
    assert set(schemas["ReferralStatus"]["enum"]) == {"dispatched", "accepted", "rejected", "in_progress", "resolved"}
    assert schemas["Stats"]["properties"]["by_region"]["items"] == {"$ref": "#/components/schemas/ChildTotals"}
