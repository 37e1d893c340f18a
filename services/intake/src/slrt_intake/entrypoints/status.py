"""``POST /v1/status``: the citizens' status look-up, the one ``/v1`` route without a token (``public`` in the
access table). Thin: the client's budget, then the use case, then the answer.

Guessing is bounded twice: per client address (``SLRT_STATUS_RATE_PER_MINUTE``, a token bucket in each intake
process) and per case number (misses counted in intake's database, so every instance sees them: after
``SLRT_STATUS_MISSES_BEFORE_LOCK`` misses the number is locked for ``SLRT_STATUS_LOCK_SECONDS``). A wrong pair
answers exactly as an unknown case number (404, the same body); a locked number answers 429 with
``Retry-After``, whether a case has it or not, so neither says which numbers exist.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from slrt_contracts.citizen_status import StatusRequest
from slrt_shared.access.limits import retry_after
from slrt_shared.http import FieldError
from slrt_shared.logging import get_logger

from slrt_intake.entrypoints.http import UNREADABLE
from slrt_intake.entrypoints.views import ERRORS, PublicStatus
from slrt_intake.service_layer import status_check

router = APIRouter(prefix="/v1", tags=["citizens"])
log = get_logger(__name__)

NO_MATCH = {**ERRORS, "description": "no case with this number and these digits: an unknown case "
                                                "number and wrong digits answer the same"}
REFUSED = {**ERRORS, "description": "too many look-ups from this address (`rate_limited`), or the case "
                                              "number is locked after repeated misses (`too_many_attempts`); "
                                              "see Retry-After"}


def no_match() -> FieldError:
    return FieldError(404, ["body"], type_="not_found", en="no case has this case number and these phone digits",
                      id_="tidak ada kasus dengan nomor kasus dan angka telepon ini")


def rate_limited(wait: float) -> FieldError:
    return FieldError(429, [], type_="rate_limited",
                      en="too many look-ups from this address; try again after Retry-After seconds",
                      id_="terlalu banyak permintaan dari alamat ini; coba lagi setelah Retry-After detik",
                      headers={"Retry-After": retry_after(wait)})


def locked(wait: float) -> FieldError:
    return FieldError(429, ["body", "case_number"], type_="too_many_attempts",
                      en="too many wrong attempts for this case number; try again after Retry-After seconds, or "
                         "ask at the Puskesos or SLRT office",
                      id_="terlalu banyak percobaan yang salah untuk nomor kasus ini; coba lagi setelah Retry-After "
                          "detik, atau tanyakan di Puskesos atau kantor SLRT",
                      headers={"Retry-After": retry_after(wait)})


def client_of(connection: str, forwarded_for: list[str], trusted_proxies: int) -> str:
    """Whose budget a look-up spends: the connection's address, or, behind ``trusted_proxies`` proxies, the
    address that many entries from the right of ``X-Forwarded-For`` (the left part is whatever the client
    wrote). Fewer entries than proxies, or not an address there: the connection's. An IPv6 client is its /64
    (one host holds a whole /64)."""
    address = connection
    entries = [a.strip() for header in forwarded_for for a in header.split(",") if a.strip()]
    if trusted_proxies and len(entries) >= trusted_proxies:
        address = entries[-trusted_proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # not an address where the proxy writes one: the connection's; none at all: as it is
        return address[:64] if address == connection else client_of(connection, [], 0)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


@router.post(
    "/status", operation_id="check_status", summary="A citizen's case: its status and next step (no token)",
    response_model=PublicStatus,
    responses={400: UNREADABLE, 404: NO_MATCH, 413: {**ERRORS, "description": "the body is larger than the limit"},
               422: {**ERRORS, "description": "not a case number, not four digits, or an unknown key: each named"},
               429: REFUSED},
    description="The case number on the citizen's receipt and the last four digits of the phone given for the "
                "case answer the case's status, level and next step (in Bahasa Indonesia and English), nothing "
                "personal. No token. A wrong pair, a case without a phone and an erased case answer as an unknown "
                "case number (404). Limited per client address (`SLRT_STATUS_RATE_PER_MINUTE`); a case number "
                "with `SLRT_STATUS_MISSES_BEFORE_LOCK` misses is locked for `SLRT_STATUS_LOCK_SECONDS` (429 with "
                "Retry-After, the right pair too, whether the case exists or not).")
async def check_status(
    request: Request,
    body: Annotated[StatusRequest, Body(openapi_examples={"receipt": {
        "value": {"case_number": "3201-2026-000042", "phone_last4": "7890"}}})],
) -> dict[str, Any]:
    ctx = request.app.state.intake
    client = client_of(request.client.host if request.client else "", request.headers.getlist("x-forwarded-for"),
                       ctx.settings.status_trusted_proxies)
    if wait := ctx.status_clients.take(client):
        log.info("status_lookup_refused", reason="rate_limited")
        raise rate_limited(wait)
    outcome = await status_check.check_status(sessions=ctx.sessions, case_number=body.case_number,
                                              phone_last4=body.phone_last4, rules=ctx.settings.status_lock_rules)
    if isinstance(outcome, status_check.Locked):
        raise locked(outcome.seconds)
    if isinstance(outcome, status_check.NoMatch):
        raise no_match()
    return outcome
