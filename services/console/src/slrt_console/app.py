"""The console's composition root: ``build_app(settings)``. No database and no broker: the services' APIs,
the sign-in (development page or OpenID Connect) and the sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from importlib.resources import files

import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from slrt_shared import metrics
from slrt_shared.access.verifier import verifier_from
from slrt_shared.hardening import Hardening
from slrt_shared.http import health_router, instrument
from slrt_shared.request_ids import RequestIds

from slrt_console.adapters.services_api import ServicesApi, ServiceUnavailable
from slrt_console.adapters.sessions import Sessions
from slrt_console.adapters.signin import OidcClient
from slrt_console.entrypoints import citizen, desk, owner, signin, supervision
from slrt_console.entrypoints.web import SignInNeeded, redirect, render, session_of
from slrt_console.settings import ConsoleSettings

STATIC = files("slrt_console") / "static"
ASSETS = {"console.css": "text/css", "console.js": "application/javascript", "favicon.svg": "image/svg+xml"}


def build_app(settings: ConsoleSettings) -> FastAPI:
    api = ServicesApi(intake=settings.console_intake_url, routing=settings.console_routing_url,
                      reporting=settings.console_reporting_url, timeout=settings.console_api_timeout_seconds)
    oidc = None
    if settings.auth_issuer:
        oidc = OidcClient(issuer=settings.auth_issuer, client_id=settings.console_oidc_client_id,
                          client_secret=settings.console_oidc_client_secret,
                          redirect_uri=settings.console_public_url.rstrip("/") + "/oidc/callback",
                          verifier=verifier_from(settings), http=httpx.AsyncClient(timeout=10))
    metrics.describe(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await api.close()
        if oidc is not None:
            await oidc.http.aclose()

    app = FastAPI(title="SLRT console", version="1.0.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.settings, app.state.api, app.state.oidc = settings, api, oidc
    app.state.sessions = Sessions(lifetime=timedelta(minutes=settings.console_session_minutes))
    app.add_middleware(Hardening, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(metrics.HttpMetrics)
    app.add_middleware(RequestIds)

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        return redirect("/signin")

    @app.exception_handler(ServiceUnavailable)
    async def _unavailable(request: Request, exc: ServiceUnavailable) -> Response:
        return render(request, "unavailable.html", session=session_of(request), service=str(exc), status_code=503)

    @app.exception_handler(HTTPException)
    async def _refused(request: Request, exc: HTTPException) -> Response:
        return render(request, "refused.html", session=session_of(request), code=exc.status_code,
                      status_code=exc.status_code)

    @app.get("/static/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in ASSETS:
            raise HTTPException(404)
        return Response((STATIC / name).read_bytes(), media_type=ASSETS[name],
                        headers={"Cache-Control": "max-age=3600"})

    app.include_router(health_router({"services": api.ready}))
    app.include_router(metrics.metrics_router())
    for router in (signin.router, desk.router, owner.router, supervision.router, citizen.router):
        app.include_router(router)
    instrument(app)
    return app
