"""What every service's HTTP side shares: health and readiness, contract-shaped errors, tracing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry import propagate, trace
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from slrt_shared import spans
from slrt_shared.errors import error_items, wants_indonesian
from slrt_shared.logging import mask_text
from slrt_shared.pauses import Degraded

Check = Callable[[], Awaitable[None]]


def health_router(checks: dict[str, Check]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Broker and database reachable",
                responses={503: {"description": "the broker or the database does not answer, or consumed partitions "
                                 "wait for a dependency (each check named, with the reason)"}})
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Degraded as exc:  # its message says what waits and why, without values
                results[name] = f"degraded: {exc}"
            except Exception as exc:
                results[name] = f"unavailable ({type(exc).__name__})"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse({"status": "ready" if ready else "not_ready", "checks": results},
                            status_code=200 if ready else 503)

    return router


#: Bahasa Indonesia for the messages FastAPI and Starlette answer with themselves.
FRAMEWORK_MESSAGES_ID = {
    "There was an error parsing the body": "isi permintaan tidak dapat dibaca (harus JSON dalam UTF-8)",
    "Not Found": "tidak ditemukan",
    "Method Not Allowed": "metode tidak diizinkan",
}


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description="where: header, path, query or body, then the field",
                                 examples=[["header", "Authorization"]])
    msg: str = Field(description="what is wrong, in Bahasa Indonesia or English (Accept-Language)",
                     examples=["diperlukan token bearer yang sah"])
    type: str = Field(description="a stable error code", examples=["unauthorized"])


class ErrorBody(BaseModel):
    """The contract's error shape, for every 4xx."""

    detail: list[ErrorItem] = Field(examples=[[{"loc": ["header", "Authorization"], "type": "unauthorized",
                                                "msg": "diperlukan token bearer yang sah"}]])


class FieldError(Exception):
    """An error on one named field, answered as the contract's ``detail`` list."""

    def __init__(self, status: int, loc: list[str | int], *, type_: str, en: str, id_: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(en)
        self.status, self.loc, self.type, self.en, self.id = status, loc, type_, en, id_
        self.headers = headers


def invalid_cursor() -> FieldError:
    """The answer to a ``cursor`` query parameter that no list gave (``slrt_shared.paging.BadCursor``)."""
    return FieldError(422, ["query", "cursor"], type_="cursor_invalid", en="not a cursor this list gave",
                      id_="bukan cursor dari daftar ini")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        indonesian = wants_indonesian(request.headers.get("accept-language"))
        items = error_items(list(exc.errors()), indonesian=indonesian)
        return JSONResponse({"detail": items}, status_code=422)

    @app.exception_handler(FieldError)
    async def _field(request: Request, exc: FieldError) -> JSONResponse:
        indonesian = wants_indonesian(request.headers.get("accept-language"))
        item = {"loc": exc.loc, "msg": exc.id if indonesian else exc.en, "type": exc.type}
        return JSONResponse({"detail": [item]}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if isinstance(detail, str):
            if wants_indonesian(request.headers.get("accept-language")):
                detail = FRAMEWORK_MESSAGES_ID.get(detail, detail)
            detail = [{"loc": [], "msg": detail, "type": f"http_{exc.status_code}"}]
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


#: Span attributes that carry the request's path or query, where a NIK (``/v1/citizens/{nik}/cases``), a phone
#: number or an e-mail address could stand.
URL_ATTRIBUTES = ("http.target", "http.url", "url.path", "url.query", "url.full")


def mask_url_attributes(span: Any, scope: dict[str, Any] | None = None) -> None:
    """A ``server_request_hook``: personal data in the URL is masked before the span is exported."""
    attributes = getattr(span, "attributes", None) or {}
    for name in URL_ATTRIBUTES:
        value = attributes.get(name)
        if isinstance(value, str) and mask_text(value) != value:
            span.set_attribute(name, mask_text(value))


class TraceResponses:
    """ASGI middleware (inside the request's server span): every answer carries that span's ``traceparent``, so
    a caller can find its request in the traces; a route with ``{case_id}`` marks the span as about that case."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        span = trace.get_current_span()
        carrier: dict[str, str] = {}
        propagate.inject(carrier)

        async def traced(message: Any) -> None:
            if message["type"] == "http.response.start":
                case_id = (scope.get("path_params") or {}).get("case_id")
                if case_id:
                    spans.about_case(str(case_id), span=span)
                if carrier.get("traceparent"):
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"traceparent"]
                    message = {**message, "headers": [*headers, (b"traceparent", carrier["traceparent"].encode())]}
            await send(message)

        await self.app(scope, receive, traced)


def instrument(app: FastAPI) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    app.add_middleware(TraceResponses)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics",
                                       server_request_hook=mask_url_attributes, exclude_spans=["receive", "send"])
