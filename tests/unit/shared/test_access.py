"""Identities from bearer tokens: what is accepted, what is refused and why, judged at a chosen moment; scopes
that cover their region and everything below it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from threading import Thread

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from slrt_shared.access.devkey import DevKey, parse_ttl
from slrt_shared.access.principal import NATIONAL, InvalidClaims, Principal, Role
from slrt_shared.access.tokens import DEV_ISSUER, TokenRejected, TokenVerifier, bearer, jwks_keys
from slrt_shared.access.verifier import AuthMisconfigured, verifier_from
from slrt_shared.settings import ServiceSettings

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
OPERATOR = Principal(sub="op-1", role=Role.OPERATOR, scope="32.01.01")
OWNER = Principal(sub="ow-1", role=Role.OWNER, scope="32.01", owner="dinsos-pkh@32.01")


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> DevKey:
    return DevKey.load_or_create(tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="module")
def verifier(key: DevKey) -> TokenVerifier:
    return TokenVerifier(key_for=lambda _t: key.public, issuer=DEV_ISSUER, audience="slrt")


def token(key: DevKey, principal: Principal = OPERATOR, *, ttl: timedelta = timedelta(hours=8),
          now: datetime = NOW, audience: str = "slrt") -> str:
    return key.issue(principal, audience=audience, ttl=ttl, now=now)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256(claims: dict[str, object], *, secret: bytes) -> str:
    signing_input = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + _b64(json.dumps(claims).encode())
    return signing_input + "." + _b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())


def rejected(verifier: TokenVerifier, value: str, at: datetime = NOW) -> str:
    with pytest.raises(TokenRejected) as caught:
        verifier.verify(value, at=at)
    return caught.value.reason


def test_a_development_token_gives_its_principal(key: DevKey, verifier: TokenVerifier) -> None:
    assert verifier.verify(token(key), at=NOW) == OPERATOR
    assert verifier.verify(token(key, OWNER), at=NOW) == OWNER


def test_forged_unsigned_and_confused_tokens_are_refused(key: DevKey, verifier: TokenVerifier) -> None:
    other = DevKey(Ed25519PrivateKey.generate())
    assert rejected(verifier, token(other)) == "bad signature"
    claims = jwt.decode(token(key), options={"verify_signature": False})
    unsigned = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + "." + _b64(json.dumps(claims).encode()) + "."
    assert rejected(verifier, unsigned) == "algorithm not accepted"
    public_pem = key.public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    confused = _hs256(claims, secret=public_pem)  # the public key used as an HMAC secret
    assert rejected(verifier, confused) == "algorithm not accepted"
    assert rejected(verifier, "not.a.token") == "malformed"
    assert rejected(verifier, token(key)[:-4] + "AAAA") == "bad signature"


def test_time_audience_and_issuer_are_checked(key: DevKey, verifier: TokenVerifier) -> None:
    short = token(key, ttl=timedelta(minutes=15))
    assert rejected(verifier, short, at=NOW + timedelta(minutes=17)) == "expired"
    # judged as of a moment: a command written while the token was valid stays valid after it expired
    assert verifier.verify(short, at=NOW + timedelta(minutes=10)) == OPERATOR
    assert rejected(verifier, short, at=NOW - timedelta(minutes=5)) == "not yet valid"  # issued after the moment
    assert rejected(verifier, token(key, audience="elsewhere")) == "wrong audience"
    foreign = jwt.encode({"iss": "https://idp.example.id", "aud": "slrt", "sub": "x", "exp": NOW.timestamp() + 60,
                          "slrt_role": "admin", "slrt_region": NATIONAL}, key.private, algorithm="EdDSA")
    assert rejected(verifier, foreign) == "wrong issuer"


def test_claims_must_make_a_principal(key: DevKey, verifier: TokenVerifier) -> None:
    def signed(**claims: object) -> str:
        base = {"iss": DEV_ISSUER, "aud": "slrt", "sub": "s-1", "exp": NOW.timestamp() + 60}
        return jwt.encode({**base, **claims}, key.private, algorithm="EdDSA")

    assert rejected(verifier, signed(slrt_role="root", slrt_region="32")).startswith("slrt_role")
    assert rejected(verifier, signed(slrt_role="analyst", slrt_region="Bogor")).startswith("slrt_region")
    assert rejected(verifier, signed(slrt_role="owner", slrt_region="32")) == "an owner's token needs slrt_owner"
    assert rejected(verifier, signed(slrt_role="admin")) == "slrt_region is missing"
    assert verifier.verify(signed(slrt_role="analyst", slrt_region="3201"), at=NOW).scope == "32.01"


def test_the_development_admin_token_is_a_national_admin(key: DevKey) -> None:
    verifier = TokenVerifier(key_for=lambda _t: key.public, issuer=DEV_ISSUER, audience="slrt",
                             dev_admin_token="s3cret-admin")
    admin = verifier.verify("s3cret-admin")
    assert (admin.role, admin.scope) == (Role.ADMIN, NATIONAL)
    assert rejected(verifier, "s3cret-admin-not") == "malformed"


def test_bearer_values() -> None:
    assert bearer("Bearer abc.def.ghi") == "abc.def.ghi" and bearer("bearer  x ") == "x"
    for value in (None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer  "):
        with pytest.raises(TokenRejected):
            bearer(value)


def test_a_scope_covers_its_region_and_everything_below() -> None:
    assert OPERATOR.covers("32.01.01.1002") and OPERATOR.covers("32.01.01")
    assert not OPERATOR.covers("32.01.02.2001") and not OPERATOR.covers("32.01") and not OPERATOR.covers("32.01.011")
    national = Principal(sub="a", role=Role.ADMIN, scope=NATIONAL)
    assert national.covers("94.71.01.1001") and national.narrow(None) == NATIONAL
    assert OPERATOR.narrow(None) == "32.01.01" and OPERATOR.narrow("32") == "32.01.01"
    assert OPERATOR.narrow("32.01.01.1002") == "32.01.01.1002" and OPERATOR.narrow("33.74") is None


def test_ttl_and_claims_validation() -> None:
    assert parse_ttl("30s") == timedelta(seconds=30) and parse_ttl("8h") == timedelta(hours=8)
    assert parse_ttl("2d") == timedelta(days=2)
    for bad in ("", "8", "h", "-5m", "1.5h", "5w"):
        with pytest.raises(ValueError):
            parse_ttl(bad)
    with pytest.raises(InvalidClaims):
        Principal.from_claims({"sub": "", "slrt_role": "admin", "slrt_region": NATIONAL})


def test_production_tokens_are_checked_against_the_issuers_jwks() -> None:
    """A real HTTP JWKS endpoint: an RSA key with its kid; the development key is then never accepted."""
    rsa = generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "idp-1", "use": "sig", "alg": "RS256"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Jwks)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/certs"
        issuer = "https://sso.example.id/realms/slrt"
        verifier = TokenVerifier(key_for=jwks_keys(url), issuer=issuer, audience="slrt")
        claims = {"iss": issuer, "aud": "slrt", "sub": "4f1c9e", "exp": NOW.timestamp() + 300,
                  "slrt_role": "supervisor", "slrt_region": "32.01"}
        good = jwt.encode(claims, rsa, algorithm="RS256", headers={"kid": "idp-1"})
        assert verifier.verify(good, at=NOW) == Principal(sub="4f1c9e", role=Role.SUPERVISOR, scope="32.01")
        other = generate_private_key(public_exponent=65537, key_size=2048)
        assert rejected(verifier, jwt.encode(claims, other, algorithm="RS256", headers={"kid": "idp-1"})) == \
            "bad signature"
        assert rejected(verifier, jwt.encode(claims, other, algorithm="RS256", headers={"kid": "idp-2"})).startswith(
            "no key for the token")
        dev_token = DevKey(Ed25519PrivateKey.generate()).issue(OPERATOR, audience="slrt", ttl=timedelta(hours=1),
                                                               now=NOW)
        assert rejected(verifier, dev_token).startswith("no key for the token")  # not the issuer's key
    finally:
        server.shutdown()


def test_settings_choose_the_verifier(tmp_path: Path) -> None:
    with pytest.raises(AuthMisconfigured):
        verifier_from(ServiceSettings(auth_issuer="https://sso.example.id", var_dir=tmp_path))
    dev = verifier_from(ServiceSettings(var_dir=tmp_path, dev_admin_token="adm"))
    assert dev.issuer == DEV_ISSUER and dev.verify("adm").role == Role.ADMIN
    assert not dev.fetches_keys  # a key on disk: verified on the event loop, no thread hop per request
    production = verifier_from(ServiceSettings(auth_issuer="https://sso.example.id", auth_jwks_url="http://127.0.0.1:9/c",
                                               var_dir=tmp_path))
    assert production.fetches_keys  # a JWKS fetch may block: verified off the event loop


async def test_verify_async_gives_the_same_answers(key: DevKey, verifier: TokenVerifier) -> None:
    assert await verifier.verify_async(token(key), at=NOW) == OPERATOR
    with pytest.raises(TokenRejected):
        await verifier.verify_async(token(key), at=NOW + timedelta(days=1))


def test_a_checked_signature_is_remembered_for_a_while_and_the_times_are_judged_at_every_use(key: DevKey) -> None:
    looked_up: list[str] = []
    now = [1000.0]

    def key_for(value: str) -> object:
        looked_up.append(value)
        return key.public

    remembering = TokenVerifier(key_for=key_for, issuer=DEV_ISSUER, audience="slrt", remember_seconds=300,
                                remember_tokens=2, clock=lambda: now[0])
    short = token(key, ttl=timedelta(minutes=15))
    assert remembering.verify(short, at=NOW) == OPERATOR
    assert remembering.verify(short, at=NOW + timedelta(minutes=1)) == OPERATOR
    assert looked_up == [short]  # the signature was checked once
    assert rejected(remembering, short, at=NOW + timedelta(minutes=17)) == "expired"  # remembered, still judged
    assert rejected(remembering, short[:-4] + "AAAA") == "bad signature"  # other bytes: checked afresh
    now[0] += 301
    assert remembering.verify(short, at=NOW) == OPERATOR
    assert len(looked_up) == 3  # checked again after a while
    for principal in (OWNER, Principal(sub="op-2", role=Role.OPERATOR, scope="32.01.01")):
        remembering.verify(token(key, principal), at=NOW)
    remembering.verify(short, at=NOW)
    assert len(looked_up) == 6  # no more than two are remembered: the oldest gave way


def test_remembering_can_be_turned_off(key: DevKey) -> None:
    looked_up: list[str] = []
    forgetful = TokenVerifier(key_for=lambda value: looked_up.append(value) or key.public, issuer=DEV_ISSUER,
                              audience="slrt", remember_seconds=0)
    forgetful.verify(token(key), at=NOW)
    forgetful.verify(token(key), at=NOW)
    assert len(looked_up) == 2


def test_slrt_token_issue_prints_a_token_the_services_of_the_folder_accept(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SLRT_VAR_DIR"}  # ./var of the folder it runs in
    run = subprocess.run([sys.executable, "-m", "slrt.cli", "token", "issue", "--role", "owner", "--region",
                          "32.01", "--owner", "dinsos-pkh@32.01", "--ttl", "15m"], cwd=tmp_path,
                         capture_output=True, text=True, check=True, env=env)
    issued = run.stdout.strip().splitlines()[-1]
    principal = verifier_from(ServiceSettings(var_dir=tmp_path / "var")).verify(issued)
    assert (principal.role, principal.scope, principal.owner) == (Role.OWNER, "32.01", "dinsos-pkh@32.01")
    assert principal.sub.startswith("owner-")  # opaque, never a person's name
    assert (tmp_path / "var" / "dev-signing-key.pem").stat().st_mode & 0o077 == 0
    refused = subprocess.run([sys.executable, "-m", "slrt.cli", "token", "issue", "--role", "owner", "--region",
                              "32.01"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert refused.returncode == 2 and "--owner is required" in refused.stderr
    with_issuer = subprocess.run([sys.executable, "-m", "slrt.cli", "token", "issue", "--role", "admin", "--region",
                                  "nasional"], cwd=tmp_path, capture_output=True, text=True,
                                 env={**env, "SLRT_AUTH_ISSUER": "https://sso.example.id"})
    assert with_issuer.returncode == 2 and "SLRT_AUTH_ISSUER" in with_issuer.stderr
