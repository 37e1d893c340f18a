"""The published JSON Schema of every message type, named by its ``ce_dataschema``.

Each event carries the ``ce_dataschema`` header (CloudEvents ``dataschema``): ``urn:slrt:schema:<ce_type>``, a
name that stays when the documents move. The schemas are in the repository as ``docs/schemas/<ce_type>.json``
(each with that name as its ``$id``), generated from the models and compared with them by the test suite.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from slrt_contracts.envelope import DATASCHEMA_PREFIX as PREFIX
from slrt_contracts.registry import EVENT_TYPES

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def dataschema(ce_type: str) -> str:
    """The ``ce_dataschema`` of a message type."""
    return f"{PREFIX}{ce_type}"


def ce_type_of(dataschema_uri: str) -> str | None:
    return dataschema_uri.removeprefix(PREFIX) if dataschema_uri.startswith(PREFIX) else None


def json_schema(model: type[BaseModel], name: str) -> dict[str, Any]:
    """The JSON Schema (2020-12) of ``model``, named ``name``, as published."""
    return {"$schema": DIALECT, "$id": dataschema(name), **model.model_json_schema()}


def published() -> dict[str, dict[str, Any]]:
    """Every message type's schema, by ``ce_type``."""
    return {ce_type: json_schema(model, ce_type) for ce_type, model in sorted(EVENT_TYPES.items())}
