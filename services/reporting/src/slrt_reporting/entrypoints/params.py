"""Query parameters of reporting's API: each bad one is answered 422 naming it, in Bahasa Indonesia or English
(``Accept-Language``), unknown ones included (a misspelt filter must not quietly return everything)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AfterValidator
from slrt_contracts import regions
from slrt_contracts.citizen_status import CASE_NUMBER_WRITTEN
from slrt_contracts.fields import custom_error

from slrt_reporting.service_layer.queries import decode_cursor


def _region(value: str | None) -> str | None:
    if value is None or value == "nasional":
        return value
    try:
        code = regions.normalise(value)
    except regions.RegionCodeError:
        raise custom_error("region_invalid", "not a region code (province, kabupaten/kota, kecamatan or desa, "
                           "dotted or not) nor 'nasional'", "bukan kode wilayah (provinsi, kabupaten/kota, "
                           "kecamatan atau desa, bertitik atau tidak) maupun 'nasional'") from None
    if regions.region_name(code) is None:
        raise custom_error("region_unknown", "no such region", "wilayah tidak dikenal")
    return code


def _cursor(value: str | None) -> str | None:
    if value is not None:
        try:
            decode_cursor(value)
        except Exception:
            raise custom_error("cursor_invalid", "not a cursor returned by this API",
                               "bukan cursor yang diberikan API ini") from None
    return value


Region = Annotated[str | None, Query(max_length=16, description="a region code of any level, dotted or not, or "
                                     "`nasional`: that region and everything in it"), AfterValidator(_region)]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page"),
                   AfterValidator(_cursor)]
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
CaseNumber = Annotated[str | None, Query(max_length=32, pattern=CASE_NUMBER_WRITTEN,
                                         description="exact case number, like 3201-2026-000042")]


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def known_parameters_only(request: Request) -> None:
    """A router dependency: a query parameter the route does not take is an error of its own."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _query_names(route.dependant)
    unknown = sorted({k for k in request.query_params if k not in allowed})
    if unknown:
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", name),
                                       "msg": "Extra inputs are not permitted", "input": None} for name in unknown])
