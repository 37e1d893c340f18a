"""The citizens' status page: the case number and the last four digits of the registered phone show where the
case stands and what comes next, nothing personal (intake's public ``POST /v1/status``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from slrt_console.entrypoints.web import api, first, form_of, lang_of, render

router = APIRouter(include_in_schema=False)


def forwarded_for(request: Request) -> str:
    """``X-Forwarded-For`` as it came, with the address the console received the request from appended: intake
    counts each citizen's look-ups by the entry its ``SLRT_STATUS_TRUSTED_PROXIES`` points at (1 behind the
    console alone, 2 behind a proxy and the console), so entries a citizen wrote in front of those are ignored."""
    peer = request.client.host if request.client else "unknown"
    came = ", ".join(request.headers.getlist("x-forwarded-for"))
    return f"{came}, {peer}" if came else peer


@router.get("/status")
async def status_page(request: Request, n: str = "") -> Response:
    return render(request, "status.html", values={"case_number": n}, errors={}, found=None)


@router.post("/status")
async def check_status(request: Request) -> Response:
    form = await form_of(request)
    values = {"case_number": first(form, "case_number"), "phone_last4": first(form, "phone_last4")}
    answer = await api(request).call("intake", "POST", "/v1/status", token=None, lang=lang_of(request),
                                     json=values, headers={"x-forwarded-for": forwarded_for(request)})
    if answer.ok:
        return render(request, "status.html", values={"case_number": values["case_number"]}, errors={},
                      found=answer.body)
    errors: dict[str, list[str]] = {}
    for item in answer.errors():
        field = item.get("loc", [None])[-1] if answer.status == 422 else "form"
        errors.setdefault(str(field), []).append(item["msg"])
    return render(request, "status.html", values={"case_number": values["case_number"]}, errors=errors,
                  found=None, status_code=answer.status)
