"""The audit kernel's pure parts: request ids (taken when well formed, made otherwise, echoed, bound for the
request), what a row says of who, what, which request and which trace; and ``slrt audit``'s refusals, token and
unanswering services (its merge is tested against the running services in ``tests/integration``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from slrt.audit import admin_token, run_audit
from slrt.settings import SERVICES, CliSettings
from slrt_shared.access.devkey import DevKey
from slrt_shared.access.principal import NATIONAL, Principal, Role
from slrt_shared.access.tokens import DEV_ISSUER, TokenVerifier
from slrt_shared.audit import SYSTEM, current_trace_id
from slrt_shared.audit import row as _row
from slrt_shared.request_ids import HEADER, RequestIds, bound_request_id, current_request_id, well_formed

from tests.support.ports import closed_address

OWNER = Principal(sub="owner-pbi-7", role=Role.OWNER, scope="32.01", owner="dinsos-pbi@32.01")
NOW = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)


@pytest.mark.parametrize("value", ["5f0c1e2d3b4a49586a7b8c9d0e1f2a3b", "req-42", "a", "x" * 64,
                                   "0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40", "agency:puskesos.7"])
def test_a_well_formed_request_id_is_taken(value: str) -> None:
    assert well_formed(value)


@pytest.mark.parametrize("value", [None, "", "x" * 65, "-leading-dash", "has space", "new\nline", "ünicode",
                                   "3201015508950001", "req-3201015508950001", "081234567890", "a@b.co"])
def test_an_ill_formed_request_id_is_not(value: str | None) -> None:
    """Nothing outside the identifiers' pattern, and nothing the log masking takes for a NIK, KK or phone."""
    assert not well_formed(value)


def test_a_bound_request_id_holds_for_the_block_only() -> None:
    assert current_request_id() is None
    with bound_request_id("cmd-1") as outer:
        assert outer == current_request_id() == "cmd-1"
        with bound_request_id("3201015508950001") as made:  # not taken: one is made
            assert made != "3201015508950001" and well_formed(made) and current_request_id() == made
        assert current_request_id() == "cmd-1"
    assert current_request_id() is None


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/seen")
    async def seen() -> dict[str, Any]:
        return {"request_id": current_request_id()}

    app.add_middleware(RequestIds)
    return app


async def test_the_middleware_takes_or_makes_the_id_and_echoes_it() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        given = await client.get("/seen", headers={HEADER: "agency-req-7"})
        assert given.headers[HEADER] == given.json()["request_id"] == "agency-req-7"
        refused = await client.get("/seen", headers={HEADER: "3201015508950001"})
        made = refused.headers[HEADER]
        assert made == refused.json()["request_id"] and made != "3201015508950001" and well_formed(made)
        first, second = (await client.get("/seen"), await client.get("/seen"))
        assert first.headers[HEADER] != second.headers[HEADER]
        assert len(first.headers.get_list(HEADER)) == 1


def test_a_row_names_the_principal_the_request_and_the_trace() -> None:
    tracer = TracerProvider().get_tracer("test")
    with bound_request_id("req-9"), tracer.start_as_current_span("read") as span:
        row = _row(OWNER, "case_viewed", "case-1", "cit_abc", {"programme": "PBI-JK"}, NOW)
        assert current_trace_id() == format(span.get_span_context().trace_id, "032x")
    assert row == {"at": NOW, "subject": "owner-pbi-7", "role": "owner", "action": "case_viewed",
                   "case_id": "case-1", "citizen_ref": "cit_abc", "request_id": "req-9",
                   "trace_id": format(span.get_span_context().trace_id, "032x"), "detail": {"programme": "PBI-JK"}}


def test_the_service_acting_on_its_own_is_the_system_and_outside_a_request_there_are_no_ids() -> None:
    row = _row(None, "personal_data_erased", "case-1", None, None, NOW)
    assert (row["subject"], row["role"], row["request_id"], row["trace_id"], row["detail"]) == (
        SYSTEM, SYSTEM, None, None, None)
    admin = _row(Principal(sub="adm", role=Role.ADMIN, scope=NATIONAL), "x", None, None, None, NOW)
    assert (admin["subject"], admin["role"]) == ("adm", "admin")


def test_detail_is_masked_as_logs_are() -> None:
    """A careless caller's detail keeps no NIK, phone, e-mail or personal field."""
    row = _row(OWNER, "x", None, None, {"note": "NIK 3201015508950001, 081234567890, siti@example.id",
                                         "name": "Siti", "programme": "PBI-JK"}, NOW)
    assert row["detail"] == {"note": "NIK [NIK], [PHONE], [EMAIL]", "name": "[redacted]", "programme": "PBI-JK"}


def _cli_settings(tmp_path: Path, **extra: Any) -> CliSettings:
    ports = {f"{name}_port": int(closed_address().rsplit(":", 1)[1]) for name in SERVICES}
    return CliSettings(var_dir=tmp_path, **ports, **extra)  # type: ignore[arg-type]


def test_slrt_audit_refuses_what_is_not_a_case_and_asks_for_a_token_under_an_issuer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_audit(_cli_settings(tmp_path), case="not a case", as_json=False, token=None) == 2
    assert "case id or a case number" in capsys.readouterr().err
    with_issuer = _cli_settings(tmp_path, auth_issuer="https://id.example.id")
    assert run_audit(with_issuer, case="case-1", as_json=False, token=None) == 2
    assert "--token" in capsys.readouterr().err


def test_slrt_audit_asks_as_the_given_then_the_development_admin(tmp_path: Path) -> None:
    settings = _cli_settings(tmp_path)
    assert admin_token(settings, "given") == "given"
    assert admin_token(_cli_settings(tmp_path, dev_admin_token="dev-admin"), None) == "dev-admin"
    minted = admin_token(settings, None)
    assert minted is not None
    verifier = TokenVerifier(key_for=lambda _: DevKey.load_or_create(tmp_path).public, issuer=DEV_ISSUER,
                             audience="slrt")
    assert verifier.verify(minted) == Principal(sub="slrt-audit-cli", role=Role.ADMIN, scope=NATIONAL)


def test_slrt_audit_says_which_services_did_not_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _cli_settings(tmp_path)
    assert run_audit(settings, case="3201-2026-000042", as_json=False, token="t") == 1
    assert "reporting could not resolve" in capsys.readouterr().err
    assert run_audit(settings, case="case-1", as_json=True, token="t") == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == {"case_id": "case-1", "items": [], "unanswered": dict.fromkeys(SERVICES, "ConnectError")}
    assert all(f"{name} did not answer" in err for name in SERVICES)
