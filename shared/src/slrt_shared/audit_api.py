"""``GET /v1/audit``: a service's audit trail, for admins, filtered by case and subject, page by page. The same
route on each of the four services (``slrt audit`` merges them for a case)."""

# no ``from __future__ import annotations``: the route's annotations name the service's door, a local of
# ``audit_router``, and FastAPI must see them evaluated
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from slrt_contracts.fields import IDENTIFIER_PATTERN
from sqlalchemy import Column, ColumnElement, Table, false, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_shared.access.http import auth_responses, callers
from slrt_shared.access.principal import NATIONAL, Principal
from slrt_shared.access.queries import within
from slrt_shared.audit import audit_page
from slrt_shared.http import ErrorBody, invalid_cursor
from slrt_shared.paging import BadCursor

DOOR = "GET /v1/audit"


class AuditEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    service: str = Field(description="the service that keeps the row", examples=["intake"])
    id: str = Field(description="the row's id within the service", examples=["42"])
    at: str = Field(description="when (UTC, ISO 8601)", examples=["2026-03-02T08:15:00.123456+00:00"])
    subject: str = Field(description="who: the token's subject (`system` for the service itself)",
                         examples=["operator-cibinong-7"])
    role: str = Field(description="the role the subject acted in (`system` for the service itself)",
                      examples=["operator"])
    action: str = Field(description="what was done", examples=["case_viewed"])
    case_id: str | None = Field(description="which case", examples=["0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40"])
    citizen_ref: str | None = Field(description="which citizen, by pseudonym (never the NIK)",
                                    examples=["cit_4f1c2a9e0b7d6c5a"])
    request_id: str | None = Field(description="the request's `X-Request-ID` (a command's `ce_id`)",
                                   examples=["5f0c1e2d3b4a49586a7b8c9d0e1f2a3b"])
    trace_id: str | None = Field(description="the OpenTelemetry trace id",
                                 examples=["4bf92f3577b34da6a3ce929d0e0e4736"])
    detail: dict[str, Any] | None = Field(description="what else tells the action apart; no personal data",
                                          examples=[{"programme": "PBI-JK"}])


class AuditPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[AuditEntry] = Field(description="the rows, oldest first", examples=[[{
        "service": "intake", "id": "42", "at": "2026-03-02T08:15:00.123456+00:00", "subject": "operator-cibinong-7",
        "role": "operator", "action": "case_viewed", "case_id": "0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40",
        "citizen_ref": "cit_4f1c2a9e0b7d6c5a", "request_id": "5f0c1e2d3b4a49586a7b8c9d0e1f2a3b",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "detail": None}]])
    next_cursor: str | None = Field(description="ask again with `cursor` for the next page; null: the last",
                                    examples=[None])


def audit_router(service: str, table: Table, sessions: Callable[[Request], async_sessionmaker[AsyncSession]],
                 cases: tuple[Column[Any], Column[Any]] | None = None) -> APIRouter:
    """``cases``: the service's (case id, desa code) columns. An admin of a region reads only the rows of cases
    in that region; rows about no case (a look-up that found nothing) are for national admins."""
    router = APIRouter(prefix="/v1", tags=["audit"], responses=auth_responses())

    @router.get("/audit", operation_id="get_audit_trail",
                summary="Who read or changed which case, in the order it happened (admins)",
                response_model=AuditPage,
                responses={422: {"model": ErrorBody, "description": "a bad case_id, subject, limit or cursor"}})
    async def audit(
        request: Request,
        caller: Annotated[Principal, callers(service)(DOOR)],
        case_id: Annotated[str | None, Query(max_length=64, pattern=IDENTIFIER_PATTERN, description="only this "
                                             "case's rows", examples=["0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40"])] = None,
        subject: Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$",
                                             description="only this subject's rows (no control characters)",
                                             examples=["operator-cibinong-7"])] = None,
        limit: Annotated[int, Query(ge=1, le=500, description="page size", examples=[100])] = 100,
        cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the page before",
                                            examples=["MjAyNi0wMy0wMlQwODoxNTowMCswMDowMHw0Mg=="])] = None,
    ) -> dict[str, Any]:
        try:
            async with sessions(request)() as session:
                page = await audit_page(session, table, case_id=case_id, subject=subject, limit=limit,
                                        cursor=cursor, within=_in_scope(table, cases, caller))
        except BadCursor:
            raise invalid_cursor() from None
        return {**page, "items": [{"service": service, **item} for item in page["items"]]}

    return router


def _in_scope(table: Table, cases: tuple[Column[Any], Column[Any]] | None,
              caller: Principal) -> ColumnElement[bool] | None:
    if caller.scope == NATIONAL:
        return None
    if cases is None:
        return false()
    case_id, region = cases
    return table.c.case_id.in_(select(case_id).where(within(region, caller.scope)))
