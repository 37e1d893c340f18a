"""The production sign-in: OpenID Connect, authorization code with PKCE (S256), against an issuer speaking the
protocol over real HTTP (discovery, authorize, token, JWKS). The issuer checks the code verifier against the
challenge; the console refuses an unknown state and a token the services would refuse."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from threading import Thread
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from fastapi.testclient import TestClient
from slrt_console.app import build_app
from slrt_console.settings import ConsoleSettings

from tests.support.ports import closed_address

KEY = generate_private_key(public_exponent=65537, key_size=2048)
JWK = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "idp-1", "use": "sig",
       "alg": "RS256"}


class Issuer:
    """Discovery, authorize (the user signs in at once as ``claims`` says), token (code + verifier), JWKS."""

    def __init__(self) -> None:
        self.codes: dict[str, dict[str, str]] = {}
        self.claims: dict[str, Any] = {"sub": "op-7", "slrt_role": "operator", "slrt_region": "32.01.01.1002"}
        self.server = HTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}/realms/slrt"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                data = json.dumps(body).encode() if body is not None else b""
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path.endswith("/.well-known/openid-configuration"):
                    self._send(200, {"issuer": issuer.url, "authorization_endpoint": f"{issuer.url}/auth",
                                     "token_endpoint": f"{issuer.url}/token", "jwks_uri": f"{issuer.url}/certs"})
                elif url.path.endswith("/certs"):
                    self._send(200, {"keys": [JWK]})
                elif url.path.endswith("/auth"):
                    assert query["code_challenge_method"] == "S256" and query["response_type"] == "code"
                    code = secrets.token_urlsafe(16)
                    issuer.codes[code] = query
                    back = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
                    self._send(302, headers={"location": back})
                else:
                    self._send(404)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers["content-length"])
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                asked = issuer.codes.pop(form.get("code", ""), None)
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                if (asked is None or challenge != asked["code_challenge"] or form["grant_type"] != "authorization_code"
                        or form["redirect_uri"] != asked["redirect_uri"] or form["client_id"] != asked["client_id"]):
                    self._send(400, {"error": "invalid_grant"})
                    return
                now = int(time.time())
                token = jwt.encode({"iss": issuer.url, "aud": "slrt", "iat": now, "exp": now + 300, **issuer.claims},
                                   KEY, algorithm="RS256", headers={"kid": "idp-1"})
                self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 300})

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> Issuer:
        Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()


@pytest.fixture
def issuer() -> Any:
    with Issuer() as running:
        yield running


def console(issuer: Issuer, tmp_path: Path) -> TestClient:
    down = f"http://{closed_address()}"
    settings = ConsoleSettings(var_dir=tmp_path, auth_issuer=issuer.url, auth_jwks_url=f"{issuer.url}/certs",
                               console_public_url="https://console.example.id", console_intake_url=down,
                               console_routing_url=down, console_reporting_url=down)
    return TestClient(build_app(settings), base_url="https://console.example.id", follow_redirects=False)


def through_the_issuer(client: TestClient) -> httpx.Response:
    """The browser's round trip: the console sends it to the issuer, the issuer sends it back with a code."""
    start = client.get("/oidc/login")
    assert start.status_code == 303
    at_issuer = httpx.get(start.headers["location"])
    assert at_issuer.status_code == 302
    back = urlsplit(at_issuer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == "https://console.example.id/oidc/callback"
    return client.get(f"/oidc/callback?{back.query}")


def test_an_officer_signs_in_with_pkce_and_gets_the_screens_of_the_token_s_role(issuer: Issuer,
                                                                                tmp_path: Path) -> None:
    client = console(issuer, tmp_path)
    assert client.post("/signin", data={"role": "admin", "region": "nasional"}).status_code == 404
    signed = through_the_issuer(client)
    assert signed.status_code == 303 and signed.headers["location"] == "/register"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie
    page = client.get("/register")
    assert page.status_code == 200 and "operator · 32.01.01.1002" in page.text
    assert client.get("/inbox").status_code == 403


def test_a_stray_callback_and_a_token_the_services_refuse_sign_no_one_in(issuer: Issuer, tmp_path: Path) -> None:
    client = console(issuer, tmp_path)
    stray = client.get("/oidc/callback?code=abc&state=never-issued")
    assert stray.status_code == 403 and "slrt_session" not in stray.headers.get("set-cookie", "")
    issuer.claims = {"sub": "op-8", "slrt_role": "janitor", "slrt_region": "32.01"}  # not an SLRT role
    refused = through_the_issuer(client)
    assert refused.status_code == 403 and client.get("/register").headers["location"] == "/signin"
