"""Routing's HTTP routes: owners' answers, supervisors' manual escalation, the active rules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from slrt_contracts.codes import ReasonCode, ReferralStatus
from slrt_shared.access.http import auth_responses, callers
from slrt_shared.access.principal import Principal
from slrt_shared.http import FieldError, invalid_cursor
from slrt_shared.paging import BadCursor

from slrt_routing.domain.clock import LADDER, CannotEscalate
from slrt_routing.domain.referral import InvalidTransition
from slrt_routing.entrypoints import views
from slrt_routing.service_layer import queries, reassignment
from slrt_routing.service_layer.answers import UnknownReferral, answer_referral
from slrt_routing.service_layer.context import Routing
from slrt_routing.service_layer.timers import UnknownCase, escalate_manually

router = APIRouter(prefix="/v1", responses=auth_responses())
Id = Annotated[str, Path(max_length=64)]


_caller = callers("routing")


class StatusBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: ReferralStatus = Field(description="accepted, rejected, in_progress or resolved")
    reason_code: ReasonCode | None = Field(
        default=None, examples=["not_our_authority"],
        description="why, from the list of reason codes; the citizen and the public events see only its words. "
                    "A rejection without one is `other`")
    reason: str | None = Field(default=None, max_length=500, examples=["bukan wewenang"],
                               description="free text: kept by routing, never published or sent to the citizen")
    note: str | None = Field(default=None, max_length=2000, description="free text, kept by routing")


class EscalateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, examples=["keluhan berulang, desa tidak menindaklanjuti"])


class ReassignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner_id: str = Field(min_length=1, max_length=120, examples=["slrt@32.01"],
                          description="an owner with authority over the programme for the case "
                                      "(`GET /v1/referrals/{referral_id}/owners`)")
    reason: str = Field(min_length=1, max_length=500, examples=["dinas belum menjawab, dialihkan ke sekretariat"],
                        description="free text: the new referral's note, kept by routing only")


def _routing(request: Request) -> Routing:
    return request.app.state.routing  # type: ignore[no-any-return]


def _not_found(what: str) -> FieldError:
    return FieldError(404, ["path", f"{what}_id"], type_="not_found", en=f"{what} not found",
                      id_="kasus tidak ditemukan" if what == "case" else "rujukan tidak ditemukan")


@router.post("/referrals/{referral_id}/status", tags=["referrals"], summary="An owner answers a referral",
             operation_id="answer_referral", response_model=views.Referral,
             responses={409: {"description": "invalid status transition"}})
async def set_status(request: Request,
                     caller: Annotated[Principal, _caller("POST /v1/referrals/{referral_id}/status")],
                     referral_id: Id, body: StatusBody) -> dict[str, Any]:
    routing = _routing(request)
    if body.status is ReferralStatus.DISPATCHED:
        raise FieldError(422, ["body", "status"], type_="status_not_allowed", en="an owner cannot set dispatched",
                         id_="status dispatched tidak dapat diisi oleh pemilik program")
    try:
        async with routing.sessions() as session, session.begin():
            view = await answer_referral(routing, session, referral_id=referral_id, case_id=None,
                                         status=body.status, reason=body.reason, note=body.note,
                                         reason_code=body.reason_code, principal=caller)
    except UnknownReferral:
        raise _not_found("referral") from None
    except InvalidTransition as exc:
        raise FieldError(409, ["body", "status"], type_="invalid_transition", en=str(exc),
                         id_=f"rujukan berstatus {exc.current.value} tidak dapat menjadi {exc.wanted.value}") from None
    routing.woke()
    return view


@router.post("/cases/{case_id}/escalate", tags=["cases"], summary="A supervisor escalates a case by hand",
             operation_id="escalate_case", response_model=views.Escalated,
             responses={409: {"description": "resolved, or already at kabupaten"}})
async def escalate(request: Request, caller: Annotated[Principal, _caller("POST /v1/cases/{case_id}/escalate")],
                   case_id: Id, body: EscalateBody) -> dict[str, Any]:
    try:
        return await escalate_manually(_routing(request), case_id=case_id, reason=body.reason, scope=caller.scope,
                                       principal=caller)
    except UnknownCase:
        raise _not_found("case") from None
    except CannotEscalate as exc:
        raise FieldError(409, ["path", "case_id"], type_="cannot_escalate", en=str(exc),
                         id_="kasus tidak dapat dieskalasi (sudah selesai atau sudah di kabupaten)") from None


@router.get("/cases/{case_id}", tags=["cases"], summary="Routing's view of a case: level, clock, referrals",
            response_model=views.RoutingCase)
async def get_case(request: Request, caller: Annotated[Principal, _caller("GET /v1/cases/{case_id}")],
                   case_id: Id) -> dict[str, Any]:
    try:
        return await queries.case_view(_routing(request), case_id=case_id, principal=caller)
    except UnknownCase:
        raise _not_found("case") from None


@router.get("/referrals", tags=["referrals"], summary="Referrals to answer: an owner's own, or those in scope",
            description="Active referrals (not re-routed or re-opened), the longest waiting first.",
            response_model=views.ReferralPage)
async def list_referrals(
    request: Request, caller: Annotated[Principal, _caller("GET /v1/referrals")],
    status: Annotated[ReferralStatus | None, Query(description="only referrals in this status")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="page size")] = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the page before")] = None,
) -> dict[str, Any]:
    try:
        return await queries.referrals(_routing(request), principal=caller, status=status, limit=limit,
                                       cursor=cursor)
    except BadCursor:
        raise invalid_cursor() from None


@router.get("/rules", tags=["rules"], operation_id="get_rules", response_model=views.Rules,
            summary="The active rules version, owners per programme, SLA ladder")
async def rules(request: Request, caller: Annotated[Principal, _caller("GET /v1/rules")]) -> dict[str, Any]:
    routing = _routing(request)
    book = routing.rules.public()
    return {"version": routing.rules.version, "ladder": [lv.value for lv in LADDER],
            "sla_working_days": book["sla_working_days"], "programmes": book["programmes"],
            "drill_seconds": routing.sla.override_seconds}


@router.get("/referrals/{referral_id}/owners", tags=["referrals"], operation_id="list_referral_owners",
            summary="The owners a referral may be reassigned to", response_model=list[views.Owner])
async def referral_owners(request: Request,
                          caller: Annotated[Principal, _caller("GET /v1/referrals/{referral_id}/owners")],
                          referral_id: Id) -> list[dict[str, Any]]:
    try:
        return await reassignment.candidates(_routing(request), referral_id=referral_id, principal=caller)
    except UnknownReferral:
        raise _not_found("referral") from None


@router.post("/referrals/{referral_id}/reassign", tags=["referrals"], operation_id="reassign_referral",
             summary="A supervisor reassigns a referral to another owner with authority",
             response_model=views.Referral, status_code=201,
             responses={409: {"description": "answered for good, already replaced, or already with this owner"}})
async def reassign(request: Request, caller: Annotated[Principal, _caller("POST /v1/referrals/{referral_id}/reassign")],
                   referral_id: Id, body: ReassignBody) -> dict[str, Any]:
    routing = _routing(request)
    try:
        view = await reassignment.reassign_referral(routing, referral_id=referral_id, owner_id=body.owner_id,
                                                    reason=body.reason, principal=caller)
    except UnknownReferral:
        raise _not_found("referral") from None
    except reassignment.NoAuthority:
        raise FieldError(422, ["body", "owner_id"], type_="no_authority",
                         en="this owner has no authority over the programme for this case",
                         id_="pemilik program ini tidak berwenang atas program ini untuk kasus ini") from None
    except reassignment.CannotReassign as exc:
        raise FieldError(409, ["path", "referral_id"], type_="cannot_reassign", en=str(exc),
                         id_="rujukan tidak dapat dialihkan (sudah dijawab final, sudah diganti, "
                             "atau sudah pada pemilik ini)") from None
    routing.woke()
    return view
