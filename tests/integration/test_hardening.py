"""Every service's HTTP side: a body over the limit is 413 before it is read, writes are rate-limited per
caller (429 with Retry-After), answers carry the security headers, and ``/docs`` works with no internet."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings
from slrt_shared.access.principal import Role

from tests.support.apps import running
from tests.support.ports import closed_address
from tests.support.tokens import auth
from tests.unit.shared.registration_rules import VALID, with_value


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = IntakeSettings(intake_database_url=f"sqlite+aiosqlite:///{tmp_path / 'i.db'}",
                              kafka_bootstrap=closed_address(), max_body_bytes=64 * 1024, write_rate_per_second=1,
                              write_burst=3)
    async with running(build_app(settings)) as client:
        yield client


async def test_a_body_over_the_limit_is_413_declared_or_streamed(intake: httpx.AsyncClient) -> None:
    big = with_value(VALID, ("description",), "x" * 70_000)
    declared = await intake.post("/v1/cases", json=big, headers={"accept-language": "en"})
    assert declared.status_code == 413
    assert declared.json() == {"detail": [{"loc": ["body"], "type": "body_too_large",
                                           "msg": "the request body is larger than the limit of 65536 bytes"}]}

    async def chunks() -> AsyncIterator[bytes]:  # no content-length: counted as it arrives
        for _ in range(20):
            yield b" " * 8192

    streamed = await intake.post("/v1/cases", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["detail"][0]["type"] == "body_too_large"
    assert (await intake.post("/v1/cases", json=VALID)).status_code == 201  # an ordinary body passes


async def test_writes_are_limited_per_caller_with_retry_after(intake: httpx.AsyncClient) -> None:
    one = auth(Role.OPERATOR, "32.01.01")
    answers = [await intake.post("/v1/cases", json=VALID, headers=one) for _ in range(5)]
    assert [a.status_code for a in answers[:3]] == [201, 200, 200]  # a burst of 3 (the same case, linked)
    limited = answers[3]
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["detail"][0]["type"] == "rate_limited"
    # reads are not limited, and another caller has its own budget
    assert (await intake.get(f"/v1/cases/{answers[0].json()['case_id']}", headers=one)).status_code == 200
    other = auth(Role.OPERATOR, "32.01.01") | {"Authorization": auth(Role.SUPERVISOR, "32.01")["Authorization"]}
    assert (await intake.post("/v1/cases", json=VALID, headers=other)).status_code == 200


async def test_answers_carry_the_security_headers(intake: httpx.AsyncClient) -> None:
    api = await intake.post("/v1/cases", json=VALID)
    for response in (api, await intake.get("/healthz"), await intake.get("/v1/cases/nope", headers={})):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert api.headers["cache-control"] == "no-store"  # personal data is never cached


async def test_the_api_docs_need_no_internet(intake: httpx.AsyncClient) -> None:
    page = await intake.get("/docs")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    references = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert references and all(ref.startswith("/docs/assets/") for ref in references)
    for ref in references + ["/docs/assets/init.js"]:
        asset = await intake.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 100
        assert b"https://cdn" not in asset.content and b"unpkg.com" not in asset.content
    assert (await intake.get("/docs/assets/..%2F..%2Fetc%2Fpasswd")).status_code == 404
    assert (await intake.get("/redoc")).status_code == 404  # the CDN-bound ReDoc page is not served
