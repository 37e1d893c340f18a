"""The citizens' rights routes (UU 27/2022): subject access and correction. Thin: parse, call the use case,
answer. The NIK travels in the body (never a URL, so never an access log or a span)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from slrt_contracts.citizen_rights import CitizenCorrection, SubjectAccessRequest
from slrt_shared.access.http import auth_responses, callers
from slrt_shared.access.principal import Principal
from slrt_shared.http import FieldError

from slrt_intake.entrypoints import subject_access_page
from slrt_intake.entrypoints.http import NOT_FOUND, UNREADABLE, CaseId
from slrt_intake.entrypoints.views import ERRORS, Corrected, SubjectAccess
from slrt_intake.service_layer import correction, subject_access
from slrt_intake.service_layer.registration import CaseNotFound

router = APIRouter(prefix="/v1", responses=auth_responses())
_caller = callers("intake")


def _quality(accept: str, media_type: str) -> float:
    """The q-value ``accept`` gives ``media_type`` by its own name (0: not named)."""
    for part in accept.lower().split(","):
        name, *params = (p.strip() for p in part.split(";"))
        if name == media_type:
            q = next((p[2:] for p in params if p.startswith("q=")), "1")
            try:
                return float(q)
            except ValueError:
                return 0.0
    return 0.0


def wants_html(accept: str) -> bool:
    """The page when ``Accept`` names ``text/html`` above ``application/json``; JSON otherwise (``*/*`` too)."""
    html = _quality(accept, "text/html")
    return html > 0 and html > _quality(accept, "application/json")


@router.post("/citizens/subject-access", tags=["citizens"], summary="Everything intake holds about one NIK",
             response_model=SubjectAccess,
             responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                              "description": "JSON; with `Accept: text/html`, a printable page"},
                        400: UNREADABLE, 422: {**ERRORS, "description": "not a NIK"}},
             description="UU 27/2022 subject access. Every case of the NIK in the caller's scope (erased ones "
                         "too) with its personal data, complaints, the contacts record as published, the audit "
                         "rows; the erasures; and what the other services hold by case id. An unknown NIK, or "
                         "none in scope, answers the same empty answer. Answered at once; audited "
                         "(`subject_access`, by pseudonym, never the NIK).")
async def request_subject_access(
    request: Request, caller: Annotated[Principal, _caller("POST /v1/citizens/subject-access")],
    body: Annotated[SubjectAccessRequest, Body(openapi_examples={"nik": {"value": {"nik": "3201015508950001"}}})],
) -> Response:
    ctx = request.app.state.intake
    answer = await subject_access.subject_access(sessions=ctx.sessions, nik=body.nik, scope=caller.scope,
                                                 pseudonyms=ctx.pseudonyms, principal=caller)
    if wants_html(request.headers.get("accept", "")):
        return HTMLResponse(subject_access_page.render(answer), headers={
            "Content-Security-Policy": subject_access_page.PAGE_POLICY, "Vary": "Accept"})
    return JSONResponse(answer, headers={"Vary": "Accept"})


@router.patch("/cases/{case_id}/citizen", tags=["cases"], summary="Correct the citizen's name, phone, e-mail, "
              "address", response_model=Corrected,
              responses={400: UNREADABLE, 404: NOT_FOUND,
                         409: {**ERRORS, "description": "the case's personal data was erased"},
                         422: {**ERRORS, "description": "invalid fields, each named (as at registration); "
                                                        "another desa in `address.region_code`"}},
              description="UU 27/2022 correction. Fields not sent stay; `null` removes a phone, e-mail, RT, RW "
                          "or street. Applies to the case and to the same citizen's other open cases in the "
                          "caller's scope, publishes their new contacts records on `slrt.case.contacts`, and is "
                          "audited (`personal_data_corrected`, the field names, never the values). The desa "
                          "cannot change: it chose the routing; a citizen who moved registers anew.")
async def correct_citizen(
    request: Request, caller: Annotated[Principal, _caller("PATCH /v1/cases/{case_id}/citizen")],
    case_id: CaseId,
    body: Annotated[CitizenCorrection, Body(openapi_examples={"phone and street": {
        "value": {"phone": "081298765432", "address": {"street": "Jl. Kenanga 3"}}}})],
) -> dict[str, Any]:
    ctx = request.app.state.intake
    try:
        corrected = await correction.correct_citizen(sessions=ctx.sessions, topics=ctx.settings.topics,
                                                     case_id=case_id, correction=body, scope=caller.scope,
                                                     principal=caller)
    except CaseNotFound:
        raise FieldError(404, ["path", "case_id"], type_="not_found", en="case not found",
                         id_="kasus tidak ditemukan") from None
    except correction.CaseErased:
        raise FieldError(409, ["path", "case_id"], type_="erased", en="the personal data of this case was erased",
                         id_="data pribadi kasus ini sudah dihapus") from None
    except correction.RegionNotCorrectable:
        raise FieldError(422, ["body", "address", "region_code"], type_="region_not_correctable",
                         en="the desa of a case cannot be corrected: register the case anew or ask the SLRT office",
                         id_="desa suatu kasus tidak dapat dikoreksi: daftarkan kasus baru atau hubungi kantor SLRT"
                         ) from None
    ctx.relay.wake()
    return corrected
