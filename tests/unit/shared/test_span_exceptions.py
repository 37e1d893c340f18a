"""A request that fails with an unexpected error leaves a span that says what failed, not with which data:
OpenTelemetry records the exception's text and traceback, which for a validation error hold the input."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel
from slrt_shared.http import instrument
from slrt_shared.telemetry import configure_tracing

SECRET = "Zulaikha Penanda Rahasia"


class Citizen(BaseModel):
    name: str
    age: int


class DriverError(Exception):
    """Shaped like asyncpg's: the message, then the server's DETAIL with the failing row."""


async def test_an_unexpected_error_s_data_is_not_in_the_span() -> None:
    exporter = InMemorySpanExporter()
    provider = configure_tracing("test", exporter=exporter)
    app = FastAPI()

    @app.post("/validate")
    async def validate() -> None:
        Citizen.model_validate({"name": SECRET, "age": SECRET + " 3201015508950001"})

    @app.post("/store")
    async def store() -> None:
        raise DriverError(f'null value in column "a"\nDETAIL:  Failing row contains (1, null, {SECRET}).')

    instrument(app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.post("/validate")).status_code == 500
        assert (await client.post("/store")).status_code == 500
    provider.force_flush()
    spans = [s for s in exporter.get_finished_spans() if s.name in ("POST /validate", "POST /store")]
    events = [e for s in spans for e in s.events if e.name == "exception"]
    assert len(events) == 2, "the failures were recorded"
    recorded = str([dict(e.attributes or {}) for e in events]) + str([s.status.description for s in spans])
    assert "ValidationError" in recorded and "DriverError" in recorded and "int_parsing" in recorded
    assert SECRET not in recorded and "3201015508950001" not in recorded
