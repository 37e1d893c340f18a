"""Erasure routes (UU 27/2022): one case's personal data, or all of a citizen's. The NIK travels in the body,
never in a URL."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from slrt_contracts.codes import ErasureReason
from slrt_contracts.fields import Nik
from slrt_shared.access.http import auth_responses, callers
from slrt_shared.access.principal import Principal

from slrt_intake.entrypoints.http import NOT_FOUND, UNREADABLE, CaseId, not_found
from slrt_intake.entrypoints.views import ERRORS, Erased
from slrt_intake.service_layer import erasure
from slrt_intake.service_layer import registration as uc

router = APIRouter(prefix="/v1", tags=["personal data"], responses=auth_responses())
_caller = callers("intake")

REASON = ("why (UU 27/2022): `citizen_request` (the citizen asked), `consent_withdrawn`, `retention` "
          "(closed longer than the retention limit), `unlawful_processing`")


class CitizenErasure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nik: Nik = Field(description="the citizen's NIK (16 digits)", examples=["3201015508950001"])
    reason: ErasureReason = Field(description=REASON, examples=["citizen_request"])


class CitizenErased(BaseModel):
    erased: list[Erased] = Field(description="every case of the citizen in the caller's scope, oldest first; "
                                             "empty for an unknown NIK",
                                 examples=[[{"case_id": "0b6c1f0e-5d8a-4a7e-9f2b-7c1d3e5a9b40",
                                             "erased_at": "2026-03-02T08:15:00+00:00"}]])
    reason: ErasureReason = Field(examples=["citizen_request"])


@router.delete("/cases/{case_id}/personal-data", summary="Erase the citizen's personal data from a case",
               response_model=Erased, responses={404: NOT_FOUND, 422: ERRORS},
               description="Extension (UU PDP). Blanks NIK, KK, name, phone, e-mail, street, RT/RW and the "
                           "descriptions in intake's database, publishes a tombstone for the case on "
                           "`slrt.case.contacts` and `id.slrt.case.erased.v1` on `slrt.case.events`, which every "
                           "service honours. Asking again answers the first erasure.")
async def erase_personal_data(
        request: Request, caller: Annotated[Principal, _caller("DELETE /v1/cases/{case_id}/personal-data")],
        case_id: CaseId,
        reason: Annotated[ErasureReason, Query(description=REASON, examples=["citizen_request"])] =
        ErasureReason.CITIZEN_REQUEST,
) -> dict[str, Any]:
    ctx = request.app.state.intake
    try:
        erased = await erasure.erase_personal_data(
            sessions=ctx.sessions, topics=ctx.settings.topics, case_id=case_id,
            erasure=erasure.Erasure(reason=reason, principal=caller, scope=caller.scope))
    except uc.CaseNotFound:
        raise not_found() from None
    ctx.relay.wake()
    return erased


@router.post("/citizens/erasure", summary="Erase a citizen's personal data from all their cases",
             response_model=CitizenErased, responses={400: UNREADABLE, 422: ERRORS},
             description="Extension (UU PDP), admin. Every case of the NIK in the caller's scope is erased as by "
                         "`DELETE /v1/cases/{case_id}/personal-data`, in one transaction, and each publishes "
                         "`id.slrt.case.erased.v1`. An unknown NIK answers an empty list.")
async def erase_citizen(request: Request, caller: Annotated[Principal, _caller("POST /v1/citizens/erasure")],
                        body: CitizenErasure) -> dict[str, Any]:
    ctx = request.app.state.intake
    erased = await erasure.erase_citizen(
        sessions=ctx.sessions, topics=ctx.settings.topics, nik=body.nik, citizen_refs=ctx.pseudonyms.all_refs(body.nik),
        erasure=erasure.Erasure(reason=body.reason, principal=caller, scope=caller.scope))
    ctx.relay.wake()
    return {"erased": erased, "reason": body.reason.value}
