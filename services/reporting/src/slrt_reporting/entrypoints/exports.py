"""``/v1/export.csv`` and ``/v1/export.xlsx``: one row per case of a region, streamed."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from slrt_shared.access.http import auth_responses
from slrt_shared.access.principal import Principal

from slrt_reporting.entrypoints.http import INVALID, audit_export, caller, scoped, sessions, small_counts
from slrt_reporting.entrypoints.params import Region, known_parameters_only
from slrt_reporting.service_layer.queries import EXPORT_FIELDS, export_rows

router = APIRouter(dependencies=[Depends(known_parameters_only)], tags=["exports"], responses=auth_responses())
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


def hidden_ppks(request: Request, principal: Principal) -> frozenset[int]:
    """The PPKS an analyst's export leaves out of every row (docs/privacy.md, "Small counts")."""
    rule = small_counts(request, principal)
    return rule.sensitive if rule else frozenset()


def _attachment(region: str | None, suffix: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="slrt-cases-{(region or "nasional").replace(".", "")}'
                                   f'.{suffix}"'}


@router.get("/v1/export.csv", summary="One row per case (UTF-8 CSV)", responses=INVALID)
async def export_csv(request: Request, who: Annotated[Principal, caller("GET /v1/export.csv")],
                     region: Region = None) -> StreamingResponse:
    shown, visible = scoped(who, region)
    hidden = hidden_ppks(request, who)
    await audit_export(request, who, form="csv", region=region, shown=shown, visible=visible)

    async def rows() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        async with sessions(request)() as session:
            async for row in export_rows(session, shown, visible=visible, hidden_ppks=hidden):
                writer.writerow(row)
                if buffer.tell() > CHUNK:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8", headers=_attachment(region, "csv"))


@router.get("/v1/export.xlsx", summary="One row per case (Excel workbook)", responses=INVALID)
async def export_xlsx(request: Request, who: Annotated[Principal, caller("GET /v1/export.xlsx")],
                      region: Region = None) -> StreamingResponse:
    shown, visible = scoped(who, region)
    await audit_export(request, who, form="xlsx", region=region, shown=shown, visible=visible)
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("kasus")
    sheet.append(EXPORT_FIELDS)
    async with sessions(request)() as session:
        async for row in export_rows(session, shown, visible=visible, hidden_ppks=hidden_ppks(request, who)):
            sheet.append([row[f] for f in EXPORT_FIELDS])
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the stream
    book.save(spool)
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while block := spool.read(CHUNK):
                yield block

    return StreamingResponse(chunks(), media_type=XLSX, headers=_attachment(region, "xlsx"))
