"""Supervisors (kecamatan, kabupaten): the overdue and escalated cases of their scope, escalation by hand with a
reason, and the dashboard of their region."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from slrt_console.entrypoints.web import allowed, api, first, lang_of, posted, redirect, render, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/supervise")
async def supervise(request: Request) -> Response:
    session = signed_in(request)
    allowed(session, "supervise")
    lang = lang_of(request)
    wanted = {"overdue": {"overdue": "true"}, "desa": {"level": "desa"}, "kecamatan": {"level": "kecamatan"},
              "kabupaten": {"level": "kabupaten"}}
    answers = await asyncio.gather(*(api(request).call("reporting", "GET", "/v1/cases", token=session.token,
                                                       lang=lang, params={**params, "limit": 100})
                                     for params in wanted.values()))  # the four lists asked at once
    lists = {key: answer.body.get("items", []) if answer.ok else [] for key, answer in
             zip(wanted, answers, strict=True)}
    for level in ("desa", "kecamatan", "kabupaten"):
        lists[level] = [c for c in lists[level] if c["status"] not in ("resolved", "closed")]
    return render(request, "supervise.html", session=session, lists=lists,
                  done=request.query_params.get("done"), refused=request.query_params.get("refused"))


@router.post("/cases/{case_id}/escalate")
async def escalate(request: Request, case_id: str) -> Response:
    session, form = await posted(request, "supervise")
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


@router.get("/referrals/{referral_id}/reassign")
async def reassign_form(request: Request, referral_id: str, case: str = "") -> Response:
    session = signed_in(request)
    allowed(session, "supervise")
    owners = await api(request).call("routing", "GET", f"/v1/referrals/{referral_id}/owners", token=session.token,
                                     lang=lang_of(request))
    if not owners.ok:
        return render(request, "not_found.html", session=session, status_code=404)
    return render(request, "reassign.html", session=session, referral_id=referral_id, case_id=case,
                  owners=owners.body, errors=[], reason="")


@router.post("/referrals/{referral_id}/reassign")
async def reassign(request: Request, referral_id: str) -> Response:
    session, form = await posted(request, "supervise")
    lang = lang_of(request)
    reply = await api(request).call("routing", "POST", f"/v1/referrals/{referral_id}/reassign", token=session.token,
                                    lang=lang, json={"owner_id": first(form, "owner_id"),
                                                     "reason": first(form, "reason")})
    case_id = first(form, "case_id")
    if reply.ok:
        return redirect(f"/cases/{case_id or reply.body['case_id']}?done=reassigned")
    owners = await api(request).call("routing", "GET", f"/v1/referrals/{referral_id}/owners", token=session.token,
                                     lang=lang)
    return render(request, "reassign.html", session=session, referral_id=referral_id, case_id=case_id,
                  owners=owners.body if owners.ok else [], errors=[e["msg"] for e in reply.errors()],
                  reason=first(form, "reason"), status_code=reply.status)
