"""HTTP requests are counted by route template and status, never by the path with its values (a case id, a
NIK), and ``/metrics`` answers in the Prometheus text format."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from slrt_shared.metrics import HttpMetrics, metrics_router


async def test_requests_are_counted_by_route_template() -> None:
    app = FastAPI()

    @app.get("/v1/citizens/{nik}/cases")
    async def cases(nik: str) -> dict[str, str]:
        return {"ok": nik[:2]}

    app.include_router(metrics_router())
    app.add_middleware(HttpMetrics)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/v1/citizens/3201015508950001/cases")).status_code == 200
        assert (await client.get("/v1/nothing/3201015508950001")).status_code == 404
        scraped = await client.get("/metrics")
    assert scraped.headers["content-type"].startswith("text/plain")
    assert "3201015508950001" not in scraped.text
    samples = {(s.labels.get("route"), s.labels.get("status")): s.value
               for family in text_string_to_metric_families(scraped.text) if family.name == "slrt_http_requests"
               for s in family.samples if s.name == "slrt_http_requests_total"}
    assert samples[("/v1/citizens/{nik}/cases", "200")] >= 1
    assert samples[("unmatched", "404")] >= 1
    assert not any(route == "/metrics" for route, _ in samples)
