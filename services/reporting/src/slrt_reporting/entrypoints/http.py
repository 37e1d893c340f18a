"""Reporting's API (CONTRACT.md "Reporting (8004)") and the dashboard page."""

from __future__ import annotations

import pathlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from slrt_contracts import regions
from slrt_contracts.codes import CaseStatus, Level
from slrt_shared import audit
from slrt_shared.access.http import auth_responses, callers
from slrt_shared.access.principal import Principal, Role
from slrt_shared.http import FieldError

from slrt_reporting.adapters import tables as t
from slrt_reporting.domain.small_counts import SmallCounts
from slrt_reporting.entrypoints import views
from slrt_reporting.entrypoints.params import CaseNumber, Cursor, Limit, Region, known_parameters_only
from slrt_reporting.service_layer import queries, stats

router = APIRouter(dependencies=[Depends(known_parameters_only)], responses=auth_responses())
page = APIRouter()
STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"
DASHBOARD = STATIC / "dashboard.html"
ASSETS = {"dashboard.js": "application/javascript; charset=utf-8", "dashboard.css": "text/css; charset=utf-8"}
#: The dashboard's scripts and styles come from this service alone; it talks to this service alone; no frame.
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
NOT_FOUND = {404: {"description": "no such case (or its registration is not known yet)"}}
INVALID = {422: {"description": "a query parameter is invalid or unknown (each one named)"}}


def sessions(request: Request) -> Any:
    return request.app.state.reporting.sessions


caller = callers("reporting")


def small_counts(request: Request, principal: Principal) -> SmallCounts | None:
    """For an analyst: the sensitive PPKS and the threshold below which their counts are hidden (docs/privacy.md,
    "Small counts"); others see the true figures."""
    return request.app.state.reporting.settings.small_counts if principal.role is Role.ANALYST else None


def scoped(principal: Principal, region: str | None) -> tuple[str, bool]:
    """The region to show for ``region`` as asked: narrowed to the scope; one beside the scope shows nothing."""
    narrowed = principal.narrow(region)
    return (narrowed, True) if narrowed is not None else (region or "nasional", False)


async def audit_export(request: Request, who: Principal, *, form: str, region: str | None, shown: str,
                       visible: bool) -> None:
    """One audit row per export (not per case): the format and the region asked for and shown."""
    async with sessions(request)() as session, session.begin():
        await audit.record(session, t.audit_log, principal=who, action="cases_exported",
                           detail={"format": form, "region": region or "nasional", "shown": shown if visible else None})


FREE_TEXT = ("reason", "note")


def without_sensitive_ppks(item: dict[str, Any], rule: SmallCounts | None) -> dict[str, Any]:
    """A case as an analyst sees it in a list or alone: no sensitive PPKS (rows are where counts come from)."""
    return item if rule is None else {**item, "ppks": rule.without_sensitive(item["ppks"])}


def without_free_text(view: dict[str, Any]) -> dict[str, Any]:
    """An analyst's view: owners' reasons and supervisors' notes are free text and may name people."""
    return {**view, "referrals": [{**r, "reason": None} for r in view["referrals"]],
            "timeline": [{k: v for k, v in e.items() if k not in FREE_TEXT} for e in view["timeline"]]}


@page.get("/", include_in_schema=False)
async def dashboard() -> HTMLResponse:
    return HTMLResponse(DASHBOARD.read_text(encoding="utf-8"),
                        headers={"Cache-Control": "no-cache", "Content-Security-Policy": PAGE_POLICY})


@page.get("/static/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    if name not in ASSETS:
        raise FieldError(404, ["path", "name"], type_="not_found", en="not found", id_="tidak ditemukan")
    return Response((STATIC / name).read_bytes(), media_type=ASSETS[name], headers={"Cache-Control": "no-cache"})


@router.get("/v1/cases/{case_id}", tags=["cases"], summary="One case: status, level, referrals, timeline",
            responses={**NOT_FOUND, **INVALID}, response_model=views.CaseView, response_model_exclude_unset=True)
async def get_case(request: Request, who: Annotated[Principal, caller("GET /v1/cases/{case_id}")],
                   case_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    async with sessions(request)() as session, session.begin():
        view = await queries.case_view(session, case_id)
        if view is None or not who.covers(view["region_code"]):
            raise FieldError(404, ["path", "case_id"], type_="not_found", en="case not found",
                             id_="kasus tidak ditemukan")
        await audit.record(session, t.audit_log, principal=who, action="case_viewed", case_id=case_id)
    if who.role is not Role.ANALYST:
        return view
    return without_sensitive_ppks(without_free_text(view), small_counts(request, who))


@router.get("/v1/cases", tags=["cases"], summary="Cases, filtered and paginated (newest first)", responses=INVALID,
            response_model=views.CasePage)
async def list_cases(request: Request, who: Annotated[Principal, caller("GET /v1/cases")], region: Region = None,
                     status: CaseStatus | None = None, level: Level | None = None, case_number: CaseNumber = None,
                     overdue: bool | None = None, limit: Limit = 50, cursor: Cursor = None) -> dict[str, Any]:
    shown, visible = scoped(who, region)
    where = queries.CaseFilter(region=shown, status=status.value if status else None,
                               level=level.value if level else None, case_number=case_number, overdue=overdue,
                               visible=visible)
    async with sessions(request)() as session:
        page = await queries.list_cases(session, where, limit=limit, cursor=cursor)
    rule = small_counts(request, who)
    return {**page, "items": [without_sensitive_ppks(item, rule) for item in page["items"]]}


@router.get("/v1/stats", tags=["stats"], responses=INVALID, response_model=views.Stats,
            response_model_exclude_unset=True,
            summary="Counts for a region and everything in it: status, level, PPKS, programme, escalation, SLA")
async def get_stats(request: Request, who: Annotated[Principal, caller("GET /v1/stats")],
                    region: Region = None) -> dict[str, Any]:
    shown, visible = scoped(who, region)
    async with sessions(request)() as session:
        return await stats.stats(session, shown, visible=visible, small_counts=small_counts(request, who))


@router.get("/v1/regions", tags=["regions"], responses=INVALID, operation_id="list_regions",
            response_model=views.RegionChildren,
            summary="The regions one level below a region, with names (for drilling down)")
async def children(who: Annotated[Principal, caller("GET /v1/regions")], region: Region = None) -> dict[str, Any]:
    code = region or "nasional"
    kids = [] if code != "nasional" and regions.level_of(code) is Level.DESA else regions.children(code)
    return {"region": code, "name": regions.region_name(code),
            "path": [] if code == "nasional" else [{"code": a, "name": regions.region_name(a)}
                                                   for a in regions.ancestors(code)],
            "items": [{"code": c, "name": n} for c, n in kids]}
