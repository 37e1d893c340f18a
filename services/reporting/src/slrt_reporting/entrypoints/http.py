"""Reporting's API (CONTRACT.md "Reporting (8004)") and the dashboard page."""

from __future__ import annotations

import pathlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from slrt_shared import regions
from slrt_shared.codes import CaseStatus, Level
from slrt_shared.http import FieldError

from slrt_reporting.entrypoints.params import CaseNumber, Cursor, Limit, Region, known_parameters_only
from slrt_reporting.service_layer import queries, stats

router = APIRouter(dependencies=[Depends(known_parameters_only)])
page = APIRouter()
DASHBOARD = pathlib.Path(__file__).resolve().parent.parent / "static" / "dashboard.html"
NOT_FOUND = {404: {"description": "no such case (or its registration is not known yet)"}}
INVALID = {422: {"description": "a query parameter is invalid or unknown (each one named)"}}


def sessions(request: Request) -> Any:
    return request.app.state.reporting.sessions


@page.get("/", include_in_schema=False)
async def dashboard() -> HTMLResponse:
    return HTMLResponse(DASHBOARD.read_text(encoding="utf-8"), headers={"Cache-Control": "no-cache"})


@router.get("/v1/cases/{case_id}", tags=["cases"], summary="One case: status, level, referrals, timeline",
            responses={**NOT_FOUND, **INVALID})
async def get_case(request: Request, case_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    async with sessions(request)() as session:
        view = await queries.case_view(session, case_id)
    if view is None:
        raise FieldError(404, ["path", "case_id"], type_="not_found", en="case not found",
                         id_="kasus tidak ditemukan")
    return view


@router.get("/v1/cases", tags=["cases"], summary="Cases, filtered and paginated (newest first)", responses=INVALID)
async def list_cases(request: Request, region: Region = None, status: CaseStatus | None = None,
                     level: Level | None = None, case_number: CaseNumber = None, overdue: bool | None = None,
                     limit: Limit = 50, cursor: Cursor = None) -> dict[str, Any]:
    where = queries.CaseFilter(region=region, status=status.value if status else None,
                               level=level.value if level else None, case_number=case_number, overdue=overdue)
    async with sessions(request)() as session:
        return await queries.list_cases(session, where, limit=limit, cursor=cursor)


@router.get("/v1/stats", tags=["stats"], responses=INVALID,
            summary="Counts for a region and everything in it: status, level, PPKS, programme, escalation, SLA")
async def get_stats(request: Request, region: Region = None) -> dict[str, Any]:
    async with sessions(request)() as session:
        return await stats.stats(session, region or "nasional")


@router.get("/v1/regions", tags=["regions"], responses=INVALID,
            summary="The regions one level below a region, with names (for drilling down)")
async def children(region: Region = None) -> dict[str, Any]:
    code = region or "nasional"
    kids = [] if code != "nasional" and regions.level_of(code) is Level.DESA else regions.children(code)
    return {"region": code, "name": regions.region_name(code),
            "path": [] if code == "nasional" else [{"code": a, "name": regions.region_name(a)}
                                                   for a in regions.ancestors(code)],
            "items": [{"code": c, "name": n} for c, n in kids]}
