"""The HTTP side of access: ``guard(service, door)`` is a FastAPI dependency that answers who is asking (a
``Principal``) or refuses: 401 with ``WWW-Authenticate: Bearer`` for no valid token, 403 for a role the door
does not admit. Scope is applied by each use case, since only it knows the case's region."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from slrt_shared.access.limits import retry_after
from slrt_shared.access.policy import door
from slrt_shared.access.principal import Principal
from slrt_shared.access.tokens import TokenRejected, TokenVerifier, bearer
from slrt_shared.http import ErrorBody, FieldError
from slrt_shared.logging import get_logger

log = get_logger(__name__)


def unauthorized(presented: bool) -> FieldError:
    challenge = 'Bearer error="invalid_token"' if presented else "Bearer"
    return FieldError(401, ["header", "Authorization"], type_="unauthorized",
                      en="a valid bearer token is needed", id_="diperlukan token bearer yang sah",
                      headers={"WWW-Authenticate": challenge})


def forbidden(loc: list[str | int] | None = None) -> FieldError:
    return FieldError(403, loc or ["header", "Authorization"], type_="forbidden",
                      en="your role or region may not do this", id_="peran atau wilayah Anda tidak boleh melakukan ini")


async def principal_of(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.verifier
    header = request.headers.get("authorization")
    try:
        return await verifier.verify_async(bearer(header))
    except TokenRejected as exc:
        log.info("token_rejected", reason=exc.reason, path=getattr(request.scope.get("route"), "path", None))
        raise unauthorized(presented=bool(header)) from None


#: Declares the scheme in the OpenAPI document (``/docs`` then offers "Authorize"); the header itself is read by
#: ``principal_of``, so every refusal has the contract's shape.
BEARER = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="a JWT: an OpenID Connect access token, or `slrt token issue` in development")


def guard(service: str, name: str) -> Callable[..., Awaitable[Principal]]:
    """The dependency of one door of the access table."""
    the_door = door(service, name)
    if the_door.public:
        raise ValueError(f"{service} {name} is a public door: it takes no token and has no guard")

    writes = the_door.method in ("POST", "PUT", "PATCH", "DELETE")

    async def caller(request: Request, _scheme: HTTPAuthorizationCredentials | None = Depends(BEARER)) -> Principal:
        principal = await principal_of(request)
        if principal.role not in the_door.roles:
            raise forbidden()
        if writes and (wait := request.app.state.write_limits.take(principal.sub)):
            raise FieldError(429, ["header", "Authorization"], type_="rate_limited",
                             en="too many writes from this caller; try again after Retry-After seconds",
                             id_="terlalu banyak permintaan dari pemanggil ini; coba lagi setelah Retry-After detik",
                             headers={"Retry-After": retry_after(wait)})
        request.state.principal = principal
        return principal

    caller.__name__ = f"caller_{service}_{the_door.method.lower()}"
    return caller


def callers(service: str) -> Callable[[str], Any]:
    """``callers("intake")("POST /v1/cases")``: the route parameter's ``Depends`` for a door of that service."""
    return lambda name: Depends(guard(service, name))


def auth_responses() -> dict[int | str, dict[str, Any]]:
    """The 401, 403, 413 and 429 answers, for a route's OpenAPI ``responses``."""
    return {401: {"model": ErrorBody, "description": "no valid bearer token"},
            403: {"model": ErrorBody, "description": "the caller's role may not use this route"},
            413: {"model": ErrorBody, "description": "the request body is larger than the limit"},
            429: {"model": ErrorBody, "description": "too many writes from this caller (see Retry-After)"}}
