"""The console's own doors, without the services behind it: sign-in, sessions, the form key, the roles'
screens, the language switch and the headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slrt_console.app import build_app
from slrt_console.settings import ConsoleSettings

from tests.support.ports import closed_address


@pytest.fixture
def settings(tmp_path: Path) -> ConsoleSettings:
    down = f"http://{closed_address()}"
    return ConsoleSettings(var_dir=tmp_path / "var", console_intake_url=down, console_routing_url=down,
                           console_reporting_url=down, console_api_timeout_seconds=2)


def signed_in(settings: ConsoleSettings, role: str, region: str, owner: str = "") -> TestClient:
    client = TestClient(build_app(settings), follow_redirects=False)
    r = client.post("/signin", data={"role": role, "region": region, "owner": owner})
    assert r.status_code == 303, r.text
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    return client


def form_key(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def test_every_screen_needs_a_sign_in(settings: ConsoleSettings) -> None:
    client = TestClient(build_app(settings), follow_redirects=False)
    for path in ("/", "/register", "/find", "/inbox", "/supervise", "/dashboard", "/cases/x", "/desa?q=kara"):
        r = client.get(path)
        assert (r.status_code, r.headers["location"]) == (303, "/signin"), path
    page = client.get("/signin")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert '<html lang="id">' in page.text and 'name="role"' in page.text


def test_each_role_opens_its_own_screens_only(settings: ConsoleSettings) -> None:
    owner = signed_in(settings, "owner", "32.01", "dinsos-pkh@32.01")
    assert owner.get("/").headers["location"] == "/inbox"
    assert owner.get("/register").status_code == 403 and owner.get("/supervise").status_code == 403
    operator = signed_in(settings, "operator", "32.01.01.1002")
    assert operator.get("/").headers["location"] == "/register"
    assert operator.get("/register").status_code == 200
    assert operator.get("/inbox").status_code == 403


def test_a_post_without_the_session_s_form_key_is_refused(settings: ConsoleSettings) -> None:
    operator = signed_in(settings, "operator", "32.01.01.1002")
    key = form_key(operator, "/register")
    assert operator.post("/register", data={"csrf": "forged", "nik": "1"}).status_code == 403
    assert operator.post("/register/check", data={"nik": "1"}).status_code == 403
    assert operator.post("/register/check", data={"csrf": key, "nik": "1"}).status_code == 200
    assert operator.post("/register/check", json={"csrf": key}).status_code == 415  # forms only
    other = signed_in(settings, "operator", "32.01.01.1002")
    assert other.post("/register/check", data={"csrf": key}).status_code == 403  # another session's key


def test_the_development_sign_in_refuses_bad_choices_and_is_gone_with_an_issuer(settings: ConsoleSettings) -> None:
    client = TestClient(build_app(settings), follow_redirects=False)
    r = client.post("/signin", data={"role": "owner", "region": "99.99"})
    assert r.status_code == 422 and "kode wilayah tidak dikenal" in r.text and "pemilik program wajib" in r.text
    production = settings.model_copy(update={"auth_issuer": "https://sso.example.id/realms/slrt",
                                             "auth_jwks_url": "https://sso.example.id/jwks"})
    client = TestClient(build_app(production), follow_redirects=False)
    assert client.post("/signin", data={"role": "admin", "region": "nasional"}).status_code == 404
    assert 'href="/oidc/login"' in client.get("/signin").text


def test_signing_out_ends_the_session(settings: ConsoleSettings) -> None:
    operator = signed_in(settings, "operator", "32.01.01.1002")
    key = form_key(operator, "/register")
    assert operator.post("/signout", data={"csrf": key}).headers["location"] == "/signin"
    assert operator.get("/register").headers["location"] == "/signin"


def test_the_language_switch_stays_on_the_console(settings: ConsoleSettings) -> None:
    client = TestClient(build_app(settings), follow_redirects=False)
    r = client.get("/lang/en", params={"next": "/register"})
    assert r.headers["location"] == "/register" and "slrt_lang=en" in r.headers["set-cookie"]
    for elsewhere in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)"):
        assert client.get("/lang/en", params={"next": elsewhere}).headers["location"] == "/"
    assert '<html lang="en">' in client.get("/signin").text and "Sign in" in client.get("/signin").text


def test_a_service_that_is_down_is_said_so_and_readiness_fails(settings: ConsoleSettings) -> None:
    operator = signed_in(settings, "operator", "32.01.01.1002")
    key = form_key(operator, "/register")
    r = operator.post("/register", data={"csrf": key, "nik": "3201014402950001"})
    assert r.status_code == 503 and "tidak tersedia" in r.text
    assert operator.get("/readyz").status_code == 503
    assert "slrt_http_requests_total" in operator.get("/metrics").text


def test_a_citizen_s_address_is_appended_to_what_came_before() -> None:
    from slrt_console.entrypoints.citizen import forwarded_for
    from starlette.requests import Request

    def request(headers: list[tuple[bytes, bytes]]) -> Request:
        return Request({"type": "http", "headers": headers, "client": ("10.0.0.7", 5000)})

    assert forwarded_for(request([])) == "10.0.0.7"
    assert forwarded_for(request([(b"x-forwarded-for", b"1.2.3.4, 203.0.113.9")])) == "1.2.3.4, 203.0.113.9, 10.0.0.7"


def test_the_status_page_needs_no_sign_in_and_says_a_service_is_down(settings: ConsoleSettings) -> None:
    client = TestClient(build_app(settings), follow_redirects=False)
    page = client.get("/status", params={"n": "3201-2026-000042"})
    assert page.status_code == 200 and 'value="3201-2026-000042"' in page.text and "Keluar" not in page.text
    down = client.post("/status", data={"case_number": "3201-2026-000042", "phone_last4": "7890"})
    assert down.status_code == 503
