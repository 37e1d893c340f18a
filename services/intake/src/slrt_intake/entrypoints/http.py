"""Intake's HTTP routes for cases. Thin: parse, call the use case, answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Request
from fastapi.responses import JSONResponse
from slrt_contracts.commands import CaseRegistration, ComplaintBody
from slrt_contracts.fields import IDENTIFIER_PATTERN
from slrt_shared import spans
from slrt_shared.access.http import auth_responses, callers, forbidden
from slrt_shared.access.principal import NATIONAL, Principal, Role
from slrt_shared.audit import current_trace_id
from slrt_shared.http import FieldError
from slrt_shared.request_ids import current_request_id
from slrt_shared.telemetry import current_trace_headers

from slrt_intake.entrypoints.views import ERRORS, CaseRecord, ComplaintFiledView, Registered
from slrt_intake.service_layer import records
from slrt_intake.service_layer import registration as uc

router = APIRouter(prefix="/v1", tags=["cases"], responses=auth_responses())

CASE_EXAMPLE = {
    "citizen": {"nik": "3201015508950001", "kk": "3201010101200001", "name": "Siti Aminah",
                "phone": "081234567890", "email": "siti@example.id"},
    "address": {"region_code": "32.01.01.1002", "rt": "003", "rw": "005", "street": "Jl. Melati 10"},
    "household": {"dtsen_status": "registered", "desil": 2},
    "ppks": [24],
    "needs": ["PKH", "PBI-JK"],
    "description": "Belum menerima bantuan PKH sejak tiga bulan.",
    "channel": "puskesos",
    "consent": True,
}

CaseId = Annotated[str, Path(max_length=64, pattern=IDENTIFIER_PATTERN, description="the case's id",
                             examples=["0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40"])]
NOT_FOUND = {"model": ERRORS["model"], "description": "no such case"}
UNREADABLE = {"model": ERRORS["model"], "description": "the body cannot be read (not JSON in UTF-8)"}


def _ctx(request: Request) -> Any:
    return request.app.state.intake


_caller = callers("intake")


def not_found() -> FieldError:
    return FieldError(404, ["path", "case_id"], type_="not_found", en="case not found", id_="kasus tidak ditemukan")


@router.post("/cases", status_code=201, summary="Register a case", response_model=Registered,
             responses={200: {"model": Registered,
                              "description": "an open case of this citizen already carries these needs "
                                             '(`"linked": true`); no new case is made'},
                        400: UNREADABLE,
                        409: {**ERRORS, "description": "Idempotency-Key reused with another body"},
                        422: {**ERRORS, "description": "invalid fields, each named"}})
async def register_case(
    request: Request,
    caller: Annotated[Principal, _caller("POST /v1/cases")],
    body: Annotated[CaseRegistration, Body(openapi_examples={"puskesos": {"value": CASE_EXAMPLE}})],
    idempotency_key: Annotated[str | None, Header(
        max_length=200, description="the same key with the same body answers the first response again",
        examples=["2b1f6d0c-puskesos-karadenan-0001"])] = None,
) -> JSONResponse:
    ctx = _ctx(request)
    if not caller.covers(body.address.region_code):
        raise forbidden(["body", "address", "region_code"])
    outcome = await ctx.registrar.register(uc.Registering(
        body, idempotency_key, "http", caller, request_id=current_request_id(), trace_headers=current_trace_headers(),
        trace_id=current_trace_id()))
    if isinstance(outcome, uc.IdempotencyConflict):
        raise FieldError(409, ["header", "Idempotency-Key"], type_="idempotency_conflict",
                         en="this Idempotency-Key was used with another body",
                         id_="Idempotency-Key ini sudah dipakai dengan isi yang lain")
    ctx.relay.wake()
    spans.about_case(outcome.body.get("case_id"), case_number=outcome.body.get("case_number"))
    return JSONResponse(outcome.body, status_code=outcome.status_code)


@router.get("/cases/{case_id}", summary="The full case record, with personal data", response_model=CaseRecord,
            responses={404: NOT_FOUND, 422: ERRORS})
async def get_case(request: Request, caller: Annotated[Principal, _caller("GET /v1/cases/{case_id}")],
                   case_id: CaseId) -> dict[str, Any]:
    try:
        return await records.get_case(sessions=_ctx(request).sessions, case_id=case_id, principal=caller,
                                      scope=NATIONAL if caller.role is Role.OWNER else caller.scope,
                                      owner=caller.owner if caller.role is Role.OWNER else None)
    except uc.CaseNotFound:
        raise not_found() from None


@router.post("/cases/{case_id}/complaints", status_code=201, summary="File a complaint on a case",
             response_model=ComplaintFiledView, responses={400: UNREADABLE, 404: NOT_FOUND, 422: ERRORS})
async def file_complaint(request: Request,
                         caller: Annotated[Principal, _caller("POST /v1/cases/{case_id}/complaints")],
                         case_id: CaseId, body: ComplaintBody) -> dict[str, Any]:
    ctx = _ctx(request)
    try:
        outcome = await uc.file_complaint(sessions=ctx.sessions, topics=ctx.settings.topics, case_id=case_id,
                                          complaint=body, scope=caller.scope, principal=caller)
    except uc.CaseNotFound:
        raise not_found() from None
    ctx.relay.wake()
    return outcome.body
