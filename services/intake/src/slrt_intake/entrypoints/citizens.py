"""``GET /v1/citizens/{nik}/cases``: a citizen's cases. The NIK is in the path, so it must never reach a log or a
span: uvicorn's access log is off (``slrt_shared.serve``), every log line is masked (``slrt_shared.logging``),
and the HTTP spans carry the route template, not the path (``slrt_shared.http.instrument``).
``POST /v1/citizens/search``: cases by the citizen's name, the name in the body for the same reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from slrt_contracts.citizen_rights import NameSearch
from slrt_contracts.fields import Nik
from slrt_shared.access.http import auth_responses, callers
from slrt_shared.access.principal import Principal
from slrt_shared.http import invalid_cursor
from slrt_shared.paging import BadCursor

from slrt_intake.entrypoints.http import UNREADABLE
from slrt_intake.entrypoints.views import ERRORS, CasePage, NameMatches
from slrt_intake.service_layer import records

router = APIRouter(prefix="/v1", tags=["citizens"], responses=auth_responses())


@router.get("/citizens/{nik}/cases", summary="A citizen's cases, newest first", response_model=CasePage,
            operation_id="list_citizen_cases",
            responses={422: {**ERRORS, "description": "not a NIK, or a bad limit or cursor"}})
async def citizen_cases(
    request: Request,
    caller: Annotated[Principal, callers("intake")("GET /v1/citizens/{nik}/cases")],
    nik: Annotated[Nik, Path(description="the citizen's NIK (16 digits)", examples=["3201015508950001"],
                             json_schema_extra={"pattern": "^[0-9]{16}$"})],
    limit: Annotated[int, Query(ge=1, le=500, description="page size", examples=[50])] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the page before",
                                        examples=["MjAyNi0wMy0wMlQwODoxNTowMCswMDowMHwwYjZj"])] = None,
) -> dict[str, Any]:
    ctx = request.app.state.intake
    try:
        return await records.citizen_cases(sessions=ctx.sessions, nik=nik, pseudonyms=ctx.pseudonyms,
                                           limit=limit, cursor=cursor, scope=caller.scope, principal=caller)
    except BadCursor:
        raise invalid_cursor() from None


@router.post("/citizens/search", summary="Cases whose citizen's name holds a text, in scope",
             response_model=NameMatches, operation_id="search_cases_by_name",
             responses={400: UNREADABLE,
                        422: {**ERRORS, "description": "a name shorter than three letters, or unknown keys"}},
             description="For a desk that has no case number or NIK at hand. At most 50 cases, newest first; "
                         "the name is in the body so that it reaches no URL or log. Audited "
                         "(`cases_found_by_name`, one row per case shown; the name looked for is not kept).")
async def search_by_name(
    request: Request, caller: Annotated[Principal, callers("intake")("POST /v1/citizens/search")],
    body: Annotated[NameSearch, Body(openapi_examples={"name": {"value": {"name": "Siti Aminah"}}})],
) -> dict[str, Any]:
    return await records.cases_by_name(sessions=request.app.state.intake.sessions, name=body.name,
                                       scope=caller.scope, limit=50, principal=caller)
