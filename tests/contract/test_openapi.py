"""Intake's OpenAPI document: served, every field with an example; and schemathesis fuzzing the app in-process
(on SQLite, and on PostgreSQL when it runs) finds no 5xx and no answer outside the document."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from slrt.scratch import PostgresServer
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings

from tests.support.ports import closed_address
from tests.support.tokens import admin

EXAMPLES_PER_OPERATION = 25


def _settings(database_url: str) -> IntakeSettings:
    return IntakeSettings(intake_database_url=database_url, kafka_bootstrap=closed_address())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def intake_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('intake') / 'intake.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = asyncio.run(server.create())
    yield server.url(name)
    asyncio.run(server.drop(name))


@pytest.fixture(scope="module")
def intake_schema(intake_database: str) -> Iterator[Any]:
    """The running app (lifespan on schemathesis' own event loop: migrations applied, no broker) and its schema."""
    app = build_app(_settings(intake_database))
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    shutdown_lifespans()


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_no_request_makes_intake_fail(intake_schema: Any, mode: GenerationMode) -> None:
    """Every operation, with generated valid (positive) and invalid (negative) requests: never a 5xx, and every
    answer is one the document declares, with the declared body."""
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = _operations(intake_schema)
    declared = [m for item in intake_schema.raw_schema["paths"].values() for m in item]
    assert len(operations) == len(declared) >= 12  # every operation of the document loads
    # /readyz rightly answers 503 here, where no broker runs; operations without input have no invalid requests
    fuzzed = [o for o in operations if o.path != "/readyz" and (mode is GenerationMode.POSITIVE or
                                                                o.path.startswith("/v1/"))]
    answers: Counter[tuple[str, int]] = Counter()
    for operation in fuzzed:
        strategy = operation.as_strategy(generation_mode=mode)
        if mode is GenerationMode.POSITIVE:  # the documented examples too: they reach the database
            strategy = st.one_of(strategy, *intake_schema.get_strategies_from_examples(operation))

        @given(case=strategy)
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            response = case.call_and_validate(checks=checks, headers=admin())
            answers[(f"{case.method} {case.path}", response.status_code)] += 1

        call()
    if mode is GenerationMode.POSITIVE:
        assert answers[("POST /v1/cases", 201)] or answers[("POST /v1/cases", 200)], answers


def _properties_without_examples(document: dict[str, Any]) -> list[str]:
    missing = []
    for name, model in document["components"]["schemas"].items():
        for prop, sub in (model.get("properties") or {}).items():
            if "examples" not in sub and "example" not in sub:
                missing.append(f"{name}.{prop}")
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if not ({"example", "examples"} & (set(parameter) | set(parameter.get("schema", {})))):
                    missing.append(f"{method.upper()} {path} {parameter['in']}.{parameter['name']}")
    return missing


def test_every_field_and_parameter_has_an_example(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    document = TestClient(build_app(_settings(f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"))).get("/openapi.json").json()
    assert _properties_without_examples(document) == []
    assert {p for p in document["paths"]} >= {"/v1/cases", "/v1/cases/{case_id}", "/v1/cases/{case_id}/complaints",
                                              "/v1/cases/{case_id}/personal-data", "/v1/citizens/{nik}/cases",
                                              "/v1/citizens/subject-access", "/v1/cases/{case_id}/citizen",
                                              "/healthz", "/readyz", "/asyncapi", "/v1/audit"}
    register = document["paths"]["/v1/cases"]["post"]
    assert sorted(register["responses"]) == ["200", "201", "400", "401", "403", "409", "413", "422", "429"]
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer") and "JWT" in scheme["description"]
    assert register["security"] == [{"bearer": []}]
    assert register["requestBody"]["content"]["application/json"]["examples"]["puskesos"]["value"]["consent"] is True
