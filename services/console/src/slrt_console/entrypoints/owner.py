"""A programme owner's inbox (routing's ``GET /v1/referrals``) and answers to one or several referrals at once."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from slrt_contracts.codes import ReasonCode, ReferralStatus

from slrt_console.domain import inbox
from slrt_console.entrypoints.web import allowed, api, first, lang_of, posted, redirect, render, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/inbox")
async def inbox_page(request: Request, status: str = "") -> Response:
    session = signed_in(request)
    allowed(session, "inbox")
    wanted = status if status in {s.value for s in ReferralStatus} else None
    answer = await api(request).call("routing", "GET", "/v1/referrals", token=session.token, lang=lang_of(request),
                                     params={"status": wanted, "limit": 200})
    items = answer.body.get("items", []) if answer.ok else []
    done = [(r.removeprefix("ok:"), True) if r.startswith("ok:") else (r.removeprefix("no:"), False)
            for r in request.query_params.getlist("r")]
    return render(request, "inbox.html", session=session, groups=inbox.sort_out(items, datetime.now(UTC)),
                  answers=inbox.ANSWERS, reasons=list(ReasonCode), status=wanted or "", done=done,
                  total=len(items))


@router.post("/inbox")
async def answer(request: Request) -> Response:
    """The same answer to every ticked referral; each is judged by routing on its own."""
    session, form = await posted(request, "inbox")
    body = inbox.answer_body(first(form, "status"), first(form, "reason_code"), first(form, "note"))
    results = []
    for referral_id in form.get("referral_id", [])[:200]:
        reply = await api(request).call("routing", "POST", f"/v1/referrals/{referral_id}/status",
                                        token=session.token, lang=lang_of(request), json=body)
        message = "" if reply.ok else "; ".join(e["msg"] for e in reply.errors())
        results.append(f"ok:{referral_id}" if reply.ok else f"no:{referral_id} {message}")
    if not results:
        results.append("no:" + ("tidak ada rujukan yang dipilih" if lang_of(request) == "id"
                                else "no referral was ticked"))
    return redirect("/inbox?" + urlencode([("r", r) for r in results]))
