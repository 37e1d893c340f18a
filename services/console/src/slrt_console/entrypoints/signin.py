"""Signing in and out, and the language switch."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlparse

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from slrt_contracts import regions
from slrt_shared.access.principal import Principal, Role

from slrt_console.adapters.signin import SignInRefused, dev_token
from slrt_console.domain.session import home
from slrt_console.entrypoints.web import (
    LANG_COOKIE,
    LANGS,
    SESSION_COOKIE,
    check_csrf,
    first,
    form_of,
    redirect,
    render,
    session_of,
    sessions,
    tr,
)
from slrt_console.settings import ConsoleSettings

router = APIRouter(include_in_schema=False)


def _settings(request: Request) -> ConsoleSettings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _open(request: Request, principal: Principal, token: str, ends: datetime | None = None) -> Response:
    session = sessions(request).open(principal, token, token_expires_at=ends)
    response = redirect(f"/{home(principal)}")
    response.set_cookie(SESSION_COOKIE, session.id, httponly=True, samesite="lax",
                        secure=_settings(request).secure_cookies, path="/")
    return response


@router.get("/signin")
async def signin_page(request: Request) -> Response:
    settings = _settings(request)
    if session_of(request) is not None:
        return redirect("/")
    if not settings.dev_sign_in:
        return render(request, "signin.html", oidc=True)
    return render(request, "signin.html", oidc=False, roles=list(Role), values={}, errors={})


@router.post("/signin")
async def dev_signin(request: Request) -> Response:
    """The development sign-in: only while the development key is what the services trust."""
    settings = _settings(request)
    if not settings.dev_sign_in:
        raise HTTPException(404)
    form = await form_of(request)
    values = {k: first(form, k) for k in ("role", "region", "owner")}
    lang = request.cookies.get(LANG_COOKIE, "id")
    errors: dict[str, str] = {}
    try:
        role = Role(values["role"])
    except ValueError:
        errors["role"] = tr(lang, "pilih peran", "choose a role")
        role = Role.OPERATOR
    region = values["region"] or "nasional"
    if region != "nasional":
        try:
            region = regions.normalise(region)
            if regions.region_name(region) is None:
                raise ValueError(region)
        except ValueError:
            errors["region"] = tr(lang, "kode wilayah tidak dikenal", "unknown region code")
    if role is Role.OWNER and not values["owner"]:
        errors["owner"] = tr(lang, "pemilik program wajib diisi", "an owner id is required")
    if errors:
        return render(request, "signin.html", oidc=False, roles=list(Role), values=values, errors=errors,
                      status_code=422)
    principal, token = dev_token(settings.var_dir, role=role, region=region, owner=values["owner"] or None,
                                 audience=settings.auth_audience,
                                 ttl=timedelta(minutes=settings.console_session_minutes))
    return _open(request, principal, token)


@router.get("/oidc/login")
async def oidc_login(request: Request) -> Response:
    oidc = request.app.state.oidc
    if oidc is None:
        raise HTTPException(404)
    return redirect(await oidc.start())


@router.get("/oidc/callback")
async def oidc_callback(request: Request, state: str = "", code: str = "") -> Response:
    oidc = request.app.state.oidc
    if oidc is None:
        raise HTTPException(404)
    try:
        principal, token, ends = await oidc.finish(state=state, code=code)
    except SignInRefused:
        return render(request, "signin.html", oidc=True, refused=True, status_code=403)
    return _open(request, principal, token, ends)


@router.post("/signout")
async def signout(request: Request) -> Response:
    session = session_of(request)
    if session is not None:
        check_csrf(session, await form_of(request))
        sessions(request).close(session.id)
    response = redirect("/signin")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{lang}")
async def switch_language(lang: str, next: str = "/") -> Response:
    if lang not in LANGS:
        raise HTTPException(404)
    target = urlparse(next)
    back = next if not target.scheme and not target.netloc and next.startswith("/") else "/"
    response = redirect(back)
    response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 24 * 3600, path="/")
    return response
