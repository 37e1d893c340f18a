"""A real Prometheus scrapes ``/metrics`` of the four services while a case goes through them, and finds what
an operator watches: messages consumed per topic, requests by route template, consumer lag, the outbox backlog,
due timers, notifications by channel, the build."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import SERVICES, System
from tests.e2e.test_case_journey import CASE, PERSONAL
from tests.support import eventually
from tests.support.dependencies import require_prometheus
from tests.support.tokens import admin


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def prometheus(system: System, tmp_path: Path) -> Iterator[str]:
    binary, _ = require_prometheus()
    targets = "\n".join(f"      - targets: ['127.0.0.1:{system.services[s].port}']\n        labels: {{service: {s}}}"
                        for s in SERVICES)
    config = tmp_path / "prometheus.yml"
    config.write_text(f"global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: slrt\n"
                      f"    static_configs:\n{targets}\n")
    port = _free_port()
    process = subprocess.Popen([str(binary), f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                               stderr=(tmp_path / "prometheus.log").open("wb"))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _query(client: httpx.AsyncClient, url: str, expr: str) -> list[dict[str, Any]]:
    response = await client.get(f"{url}/api/v1/query", params={"query": expr})
    return response.json()["data"]["result"] if response.status_code == 200 else []


async def test_prometheus_scrapes_what_operators_watch(system: System, tmp_path: Path) -> None:
    with prometheus(system, tmp_path) as url:
        async with httpx.AsyncClient(timeout=15, headers=admin()) as client:
            created = await client.post(f"{system.url('intake')}/v1/cases", json=CASE)
            assert created.status_code == 201, created.text
            number = created.json()["case_number"]
            await eventually(lambda: _async(any(number in m["message"] for m in system.sms.requests)), timeout=60)
            raw = (await client.get(f"{system.url('intake')}/metrics")).text
            assert "slrt_http_requests_total" in raw and not [p for p in PERSONAL if p.decode() in raw]

            async def scraped(expr: str, *, at_least: int = 1) -> list[dict[str, Any]]:
                return await eventually(lambda: _enough(_query(client, url, expr), at_least), timeout=60,
                                        interval=0.5)

            builds = await scraped("slrt_build_info", at_least=4)
            assert {b["metric"]["service"] for b in builds} == set(SERVICES)
            await scraped('up{job="slrt"} == 1', at_least=4)
            consumed = await scraped('sum by (service) (slrt_messages_consumed_total{topic="slrt.case.events"}) > 0',
                                     at_least=4)  # intake follows routing's reports too
            assert {c["metric"]["service"] for c in consumed} == set(SERVICES)
            [registered] = await scraped('slrt_http_requests_total{route="/v1/cases", method="POST"}')
            assert registered["metric"]["status"] == "201" and registered["value"][1] == "1"
            await scraped('slrt_notifications_total{channel="sms", outcome="sent"} > 0')
            await scraped('slrt_outbox_published_total{topic="slrt.case.events"} > 0', at_least=2)
            await scraped("slrt_outbox_pending", at_least=3)  # intake, routing, notification
            await scraped("slrt_outbox_oldest_age_seconds", at_least=3)
            await scraped('slrt_consumer_lag{topic="slrt.case.events"}', at_least=4)
            await scraped('slrt_timers_due{service="routing"}')
            await scraped('slrt_cases_overdue{service="routing", level="desa"}')
            await scraped('slrt_handler_duration_seconds_count{topic="slrt.case.events"} > 0', at_least=4)


async def _enough(query: Any, at_least: int) -> list[dict[str, Any]] | None:
    result = await query
    return result if len(result) >= at_least else None


async def _async(value: Any) -> Any:
    await asyncio.sleep(0)
    return value
