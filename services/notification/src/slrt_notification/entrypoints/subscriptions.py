"""``/v1/subscriptions``: webhook subscriptions, each its caller's own (by token subject), within its scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from slrt_contracts import regions
from slrt_contracts.fields import Email
from slrt_shared.access.http import auth_responses, callers, forbidden
from slrt_shared.access.principal import Principal
from slrt_shared.http import ErrorBody, FieldError, invalid_cursor
from slrt_shared.paging import BadCursor

from slrt_notification.domain.webhooks import SUBSCRIBABLE, UnsubscribableUrl, check_url
from slrt_notification.service_layer import webhooks as uc

router = APIRouter(prefix="/v1", tags=["subscriptions"], responses=auth_responses())
_caller = callers("notification")
Id = Annotated[str, Path(max_length=64, description="the subscription's `id`")]
ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": ErrorBody, "description": "invalid fields, each named"}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "no such subscription of "
                                                                                       "the caller"}}


class SubscriptionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, description="where deliveries are POSTed: HTTPS (plain HTTP only to a "
                     "loopback address, for development)", examples=["https://dinsos.example.id/slrt/webhook"])
    types: list[str] = Field(min_length=1, max_length=len(SUBSCRIBABLE), description="full `ce_type`s of "
                             "`slrt.case.events`", examples=[["id.slrt.case.registered.v1",
                                                             "id.slrt.case.escalated.v1"]])
    region: str = Field(max_length=13, description="cases of this region and everything in it; within the "
                        "caller's scope", examples=["32.01"])
    contact_email: Email | None = Field(default=None, description="told when the subscription is paused")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            return check_url(value)
        except UnsubscribableUrl as exc:
            raise ValueError(f"not a URL deliveries may go to: {exc}") from None

    @field_validator("types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - SUBSCRIBABLE)
        if unknown:
            raise ValueError(f"not event types of slrt.case.events: {', '.join(unknown)}")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if value == "nasional":
            return value
        try:
            code = regions.normalise(value)
        except regions.RegionCodeError:
            raise ValueError("not a Kemendagri region code") from None
        if regions.region_name(code) is None:
            raise ValueError("no such region") from None
        return code


class Subscription(BaseModel):
    id: str
    url: str
    types: list[str]
    region: str
    status: str = Field(description="active, paused (deliveries failing for long: resume it) or ended")
    paused_reason: str | None
    contact_email: str | None
    created_at: str = Field(json_schema_extra={"format": "date-time"})


class NewSubscription(Subscription):
    secret: str = Field(description="`whsec_...`: verifies each delivery's `webhook-signature` (Standard Webhooks); "
                        "shown only in this answer", examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class SubscriptionPage(BaseModel):
    items: list[Subscription]
    next_cursor: str | None


class Delivery(BaseModel):
    webhook_id: str = Field(description="the event's `ce_id`: the same on every attempt")
    ce_type: str
    case_id: str
    status: str = Field(description="pending, delivered or cancelled (the subscription ended)")
    attempts: int
    last_status: int | None = Field(description="the receiver's HTTP status at the last attempt")
    last_error: str | None
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    delivered_at: str | None = Field(json_schema_extra={"format": "date-time"})


class DeliveryPage(BaseModel):
    items: list[Delivery]
    next_cursor: str | None


def _hooks(request: Request) -> uc.Hooks:
    return request.app.state.hooks  # type: ignore[no-any-return]


def _not_found() -> FieldError:
    return FieldError(404, ["path", "subscription_id"], type_="not_found", en="subscription not found",
                      id_="langganan tidak ditemukan")


@router.post("/subscriptions", status_code=201, response_model=NewSubscription, operation_id="subscribe",
             summary="Subscribe an HTTPS endpoint to case events of a region", responses=ERRORS)
async def subscribe(request: Request, caller: Annotated[Principal, _caller("POST /v1/subscriptions")],
                    body: SubscriptionBody) -> dict[str, Any]:
    if not caller.covers(body.region):
        raise forbidden(["body", "region"])
    return await uc.subscribe(_hooks(request), caller, url=body.url, types=body.types, region=body.region,
                              contact_email=body.contact_email)


@router.get("/subscriptions", response_model=SubscriptionPage, operation_id="list_subscriptions",
            summary="The caller's subscriptions")
async def list_subscriptions(request: Request,
                             caller: Annotated[Principal, _caller("GET /v1/subscriptions")]) -> dict[str, Any]:
    return await uc.list_own(_hooks(request), caller)


@router.get("/subscriptions/{subscription_id}", response_model=Subscription, operation_id="get_subscription",
            summary="One of the caller's subscriptions", responses=NOT_FOUND)
async def get_subscription(request: Request,
                           caller: Annotated[Principal, _caller("GET /v1/subscriptions/{subscription_id}")],
                           subscription_id: Id) -> dict[str, Any]:
    try:
        return await uc.get(_hooks(request), caller, subscription_id)
    except uc.NoSuchSubscription:
        raise _not_found() from None


@router.delete("/subscriptions/{subscription_id}", response_model=Subscription, operation_id="unsubscribe",
               summary="End a subscription: nothing more is delivered", responses=NOT_FOUND)
async def unsubscribe(request: Request,
                      caller: Annotated[Principal, _caller("DELETE /v1/subscriptions/{subscription_id}")],
                      subscription_id: Id) -> dict[str, Any]:
    try:
        return await uc.end(_hooks(request), caller, subscription_id)
    except uc.NoSuchSubscription:
        raise _not_found() from None


@router.post("/subscriptions/{subscription_id}/resume", response_model=Subscription,
             operation_id="resume_subscription", responses=NOT_FOUND,
             summary="Deliver again to a paused subscription, from its oldest undelivered event on")
async def resume_subscription(
        request: Request, caller: Annotated[Principal, _caller("POST /v1/subscriptions/{subscription_id}/resume")],
        subscription_id: Id) -> dict[str, Any]:
    try:
        return await uc.resume(_hooks(request), caller, subscription_id)
    except uc.NoSuchSubscription:
        raise _not_found() from None


@router.get("/subscriptions/{subscription_id}/deliveries", response_model=DeliveryPage,
            operation_id="list_deliveries", responses={**NOT_FOUND, **ERRORS},
            summary="The subscription's deliveries, newest first, each with its last attempt's outcome")
async def list_deliveries(
    request: Request, caller: Annotated[Principal, _caller("GET /v1/subscriptions/{subscription_id}/deliveries")],
    subscription_id: Id,
    limit: Annotated[int, Query(ge=1, le=500, description="page size")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the page before")] = None,
) -> dict[str, Any]:
    try:
        return await uc.deliveries(_hooks(request), caller, subscription_id, limit=limit, cursor=cursor)
    except uc.NoSuchSubscription:
        raise _not_found() from None
    except BadCursor:
        raise invalid_cursor() from None
