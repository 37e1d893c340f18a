"""What every page shares: the language (Bahasa Indonesia unless the officer switched to English), the session
from its cookie, the form key checked on every POST, form bodies, and rendering with the plain words."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from slrt_shared.access.principal import Role

from slrt_console.adapters.services_api import ServicesApi
from slrt_console.adapters.sessions import Sessions
from slrt_console.domain import words
from slrt_console.domain.session import SCREENS, Session, may

SESSION_COOKIE = "slrt_session"
LANG_COOKIE = "slrt_lang"
LANGS = ("id", "en")
#: Scripts and styles from the console itself only; forms post to the console only.
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
          "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")

templates = Environment(loader=PackageLoader("slrt_console", "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)


class SignInNeeded(Exception):
    """No session (or an expired one): the officer is sent to the sign-in page."""


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "id")
    return lang if lang in LANGS else "id"


def tr(lang: str, indonesian: str, english: str) -> str:
    return english if lang == "en" else indonesian


def api(request: Request) -> ServicesApi:
    return request.app.state.api  # type: ignore[no-any-return]


def sessions(request: Request) -> Sessions:
    return request.app.state.sessions  # type: ignore[no-any-return]


def session_of(request: Request) -> Session | None:
    return sessions(request).find(request.cookies.get(SESSION_COOKIE))


def signed_in(request: Request) -> Session:
    session = session_of(request)
    if session is None:
        raise SignInNeeded()
    return session


def allowed(session: Session, screen: str) -> None:
    if not may(session.principal, screen):
        raise HTTPException(403)


async def form_of(request: Request) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body (the console's forms post nothing else)."""
    kind = request.headers.get("content-type", "")
    if not kind.startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415)
    return parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)


def first(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def check_csrf(session: Session, form: Mapping[str, list[str]]) -> None:
    if not hmac.compare_digest(first(form, "csrf"), session.csrf):
        raise HTTPException(403, "form key")


async def posted(request: Request, screen: str | None = None) -> tuple[Session, dict[str, list[str]]]:
    """A form posted by a signed-in officer who may use ``screen``, its form key checked: the session and the form."""
    session = signed_in(request)
    if screen is not None:
        allowed(session, screen)
    form = await form_of(request)
    check_csrf(session, form)
    return session, form


def render(request: Request, name: str, *, session: Session | None = None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    principal = session.principal if session else None
    page = templates.get_template(name).render(
        lang=lang, t=lambda indonesian, english: tr(lang, indonesian, english), w=words, session=session,
        principal=principal, screens=SCREENS.get(principal.role, ()) if principal else (), Role=Role,
        path=request.url.path, query=str(request.url.query), **context)
    return HTMLResponse(page, status_code=status_code,
                        headers={"Content-Security-Policy": POLICY, "Cache-Control": "no-store"})


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
