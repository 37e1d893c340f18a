"""Supervisors (kecamatan, kabupaten): the overdue and escalated cases of their scope, escalation by hand with a
reason, and the dashboard of their region."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from slrt_console.entrypoints.web import allowed, api, check_csrf, first, form_of, lang_of, redirect, render, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/supervise")
async def supervise(request: Request) -> Response:
    session = signed_in(request)
    allowed(session, "supervise")
    lang = lang_of(request)
    overdue = await api(request).call("reporting", "GET", "/v1/cases", token=session.token, lang=lang,
                                      params={"overdue": "true", "limit": 100})
    lists = {"overdue": overdue.body.get("items", []) if overdue.ok else []}
    for level in ("desa", "kecamatan", "kabupaten"):
        found = await api(request).call("reporting", "GET", "/v1/cases", token=session.token, lang=lang,
                                        params={"level": level, "limit": 100})
        lists[level] = [c for c in (found.body.get("items", []) if found.ok else [])
                        if c["status"] not in ("resolved", "closed")]
    return render(request, "supervise.html", session=session, lists=lists,
                  done=request.query_params.get("done"), refused=request.query_params.get("refused"))


@router.post("/cases/{case_id}/escalate")
async def escalate(request: Request, case_id: str) -> Response:
    session = signed_in(request)
    allowed(session, "supervise")
    form = await form_of(request)
    check_csrf(session, form)
    reply = await api(request).call("routing", "POST", f"/v1/cases/{case_id}/escalate", token=session.token,
                                    lang=lang_of(request), json={"reason": first(form, "reason")})
    if reply.ok:
        return redirect(f"/supervise?done={reply.body['to_level']}")
    return redirect("/supervise?refused=" + quote("; ".join(e["msg"] for e in reply.errors())))


@router.get("/dashboard")
async def dashboard(request: Request, region: str = "") -> Response:
    session = signed_in(request)
    allowed(session, "dashboard")
    stats = await api(request).call("reporting", "GET", "/v1/stats", token=session.token, lang=lang_of(request),
                                    params={"region": region or None})
    if not stats.ok:
        return render(request, "not_found.html", session=session, status_code=stats.status)
    return render(request, "dashboard.html", session=session, stats=stats.body,
                  reporting_url=request.app.state.settings.console_reporting_url)
