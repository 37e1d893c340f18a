"""The desk (operator, and supervisors and admins who also register): register a case with a form checked as
it is typed, the receipt, complaints, finding cases and a case's page."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from slrt_contracts.citizen_status import CASE_NUMBER_WRITTEN
from slrt_contracts.codes import DtsenStatus, Language
from slrt_contracts.commands import CaseRegistration
from slrt_shared.access.principal import Role
from slrt_shared.errors import error_items

from slrt_console.domain import registration_form as rf
from slrt_console.domain.places import search_desa
from slrt_console.domain.session import home
from slrt_console.domain.words import DESK_CHANNELS, PROGRAMMES
from slrt_console.entrypoints.web import allowed, api, first, lang_of, posted, redirect, render, signed_in

router = APIRouter(include_in_schema=False)
CASE_NUMBER = re.compile(CASE_NUMBER_WRITTEN)
NIK = re.compile(r"^[0-9]{16}$")


@router.get("/")
async def start(request: Request) -> Response:
    return redirect(f"/{home(signed_in(request).principal)}")


def _register_page(request: Request, session: Any, *, values: dict[str, list[str]], errors: dict[str, list[str]],
                   status_code: int = 200) -> Response:
    return render(request, "register.html", session=session, values=values, errors=errors,
                  programmes=list(PROGRAMMES), channels=DESK_CHANNELS, dtsen=list(DtsenStatus),
                  languages=list(Language), idempotency=first(values, "idempotency") or uuid.uuid4().hex,
                  status_code=status_code)


@router.get("/register")
async def register_form(request: Request) -> Response:
    session = signed_in(request)
    allowed(session, "register")
    return _register_page(request, session, values={"channel": ["puskesos"]}, errors={})


@router.post("/register")
async def register(request: Request) -> Response:
    session, form = await posted(request, "register")
    answer = await api(request).call("intake", "POST", "/v1/cases", token=session.token, lang=lang_of(request),
                                     json=rf.body_of(form), headers={"idempotency-key": first(form, "idempotency")})
    if answer.ok:
        return redirect(f"/cases/{answer.body['case_id']}/receipt")
    return _register_page(request, session, values=form, errors=rf.messages_by_field(answer.errors()),
                          status_code=answer.status)


@router.post("/register/check")
async def check(request: Request) -> JSONResponse:
    """The form as typed so far, judged by the contract's own model with the API's own messages."""
    session, form = await posted(request)
    try:
        CaseRegistration.model_validate(rf.body_of(form))
        items: list[dict[str, Any]] = []
    except ValidationError as exc:
        items = error_items(list(exc.errors()), indonesian=lang_of(request) == "id", prefix=("body",))
    return JSONResponse({"errors": rf.messages_by_field(items)}, headers={"Cache-Control": "no-store"})


@router.get("/desa")
async def desa(request: Request, q: str = "") -> JSONResponse:
    session = signed_in(request)
    return JSONResponse({"items": search_desa(session.principal.scope, q[:60])})


@router.get("/cases/{case_id}/receipt")
async def receipt(request: Request, case_id: str) -> Response:
    session = signed_in(request)
    answer = await api(request).call("intake", "GET", f"/v1/cases/{case_id}", token=session.token,
                                     lang=lang_of(request))
    if not answer.ok:
        return render(request, "not_found.html", session=session, status_code=404)
    return render(request, "receipt.html", session=session, case=answer.body,
                  status_url=request.app.state.settings.console_public_url.rstrip("/") + "/status")


async def _found(request: Request, session: Any, text: str) -> tuple[str, list[dict[str, Any]]]:
    """What a search finds: by case number (reporting, in scope), by NIK (intake, audited) or by name (intake,
    audited; the name travels in a body, never in a URL)."""
    lang = lang_of(request)
    if CASE_NUMBER.match(text):
        answer = await api(request).call("reporting", "GET", "/v1/cases", token=session.token, lang=lang,
                                         params={"case_number": text})
        return "case_number", answer.body.get("items", []) if answer.ok else []
    if NIK.match(text):
        answer = await api(request).call("intake", "GET", f"/v1/citizens/{text}/cases", token=session.token,
                                         lang=lang)
        return "nik", answer.body.get("items", []) if answer.ok else []
    if text:
        answer = await api(request).call("intake", "POST", "/v1/citizens/search", token=session.token, lang=lang,
                                         json={"name": text})
        if answer.status == 422:
            return "short", []
        return "name", answer.body.get("items", []) if answer.ok else []
    return "", []


@router.get("/find")
async def find_page(request: Request, q: str = "") -> Response:
    """The search form; a case number may come in the link (other screens link cases by number)."""
    session = signed_in(request)
    allowed(session, "find")
    text = q.strip() if CASE_NUMBER.match(q.strip()) else ""
    kind, items = await _found(request, session, text)
    return render(request, "find.html", session=session, q=text, kind=kind, items=items)


@router.post("/find")
async def find(request: Request) -> Response:
    session, form = await posted(request, "find")
    text = first(form, "q")
    kind, items = await _found(request, session, text)
    return render(request, "find.html", session=session, q=text, kind=kind, items=items)


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str) -> Response:
    session = signed_in(request)
    lang = lang_of(request)
    owner = session.principal.role is Role.OWNER
    answer = await api(request).call("routing" if owner else "reporting", "GET", f"/v1/cases/{case_id}",
                                     token=session.token, lang=lang)
    if not answer.ok:
        return render(request, "not_found.html", session=session, status_code=404)
    return render(request, "case.html", session=session, case=answer.body, owner_view=owner,
                  message=request.query_params.get("done"))


@router.post("/cases/{case_id}/complaints")
async def complain(request: Request, case_id: str) -> Response:
    session, form = await posted(request, "register")
    body = {"description": first(form, "description")}
    if first(form, "referral_id"):
        body["referral_id"] = first(form, "referral_id")
    answer = await api(request).call("intake", "POST", f"/v1/cases/{case_id}/complaints", token=session.token,
                                     lang=lang_of(request), json=body)
    if answer.ok:
        return redirect(f"/cases/{case_id}?done=complaint")
    view = await api(request).call("reporting", "GET", f"/v1/cases/{case_id}", token=session.token,
                                   lang=lang_of(request))
    if not view.ok:
        return render(request, "not_found.html", session=session, status_code=404)
    return render(request, "case.html", session=session, case=view.body, owner_view=False,
                  complaint_errors=[e["msg"] for e in answer.errors()], complaint=body["description"],
                  status_code=answer.status)
