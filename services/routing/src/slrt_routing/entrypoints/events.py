"""Routing's subscribers: case events (from intake) and owners' referral updates. Thin: parse, dedupe in
the inbox within the use case's transaction, call the use case."""

from __future__ import annotations

from itertools import groupby

from slrt_contracts import CloudEvent, parse_tolerant
from slrt_contracts.case_events import CaseErased, CaseRegistered, ComplaintFiled
from slrt_contracts.referral_updates import ReferralUpdate
from slrt_shared.access.policy import door
from slrt_shared.access.tokens import TokenRejected
from slrt_shared.consumer import Sender
from slrt_shared.errors import PermanentError
from slrt_shared.failures import Reason, Unusable
from slrt_shared.inbox import first_deliveries_of, first_delivery
from slrt_shared.request_ids import bound_request_id

from slrt_routing.adapters import tables as t
from slrt_routing.service_layer import dispatch, erasure
from slrt_routing.service_layer.answers import answer_referral
from slrt_routing.service_layer.context import Routing

CASE_EVENTS_CONSUMER = "routing-case-events"
UPDATES_CONSUMER = "routing-referral-updates"


def case_events_handler(routing: Routing):  # type: ignore[no-untyped-def]
    """A batch of case events in one transaction, in order: the registrations between other events together."""

    async def handle(events: list[CloudEvent]) -> None:
        wanted = [e for e in events if e.type in CASE_EVENTS]
        if not wanted:
            return  # routing's own events and others' come back on this topic: nothing to do
        parsed = [(e, parse_tolerant(CASE_EVENTS[e.type], e.data)) for e in wanted]  # invalid: one by one
        async with routing.sessions() as session, session.begin():
            fresh = await first_deliveries_of(session, t.inbox, CASE_EVENTS_CONSUMER, parsed)
            for registrations, run in groupby(fresh, key=lambda pair: isinstance(pair[1], CaseRegistered)):
                if registrations:
                    run = list(run)
                    await dispatch.on_cases_registered(routing, session, [data for _, data in run], traces={
                        data.case_id: event.traceparent for event, data in run if event.traceparent})
                    continue
                for _, data in run:
                    if isinstance(data, CaseErased):
                        await erasure.on_case_erased(session, data)
                    else:
                        await dispatch.on_complaint_filed(routing, session, data)
        routing.woke()

    return handle


CASE_EVENTS = {m.ce_type: m for m in (CaseRegistered, ComplaintFiled, CaseErased)}


class Unauthorized(PermanentError):
    """An update whose sender could not be verified, or whose role may not answer referrals."""


UPDATE_DOOR = door("routing", "slrt.referral.updates id.slrt.referral.update.v1")


def referral_updates_handler(routing: Routing):  # type: ignore[no-untyped-def]
    async def handle(event: CloudEvent, sender: Sender) -> None:
        if event.type != ReferralUpdate.ce_type:
            raise Unusable(Reason.UNKNOWN_TYPE, "not a referral.update event")
        if isinstance(sender, TokenRejected):
            raise Unauthorized(f"unauthorized: {sender.reason}")
        if sender.role not in UPDATE_DOOR.roles:
            raise Unauthorized(f"forbidden: the role {sender.role.value} does not answer referrals")
        update = parse_tolerant(ReferralUpdate, event.data)
        with bound_request_id(event.id):  # the audit trail names the update as a request
            async with routing.sessions() as session, session.begin():
                if not await first_delivery(session, t.inbox, UPDATES_CONSUMER, event):
                    return
                await answer_referral(routing, session, referral_id=update.referral_id, case_id=update.case_id,
                                      status=update.status, reason=update.reason, note=update.note,
                                      reason_code=update.reason_code, principal=sender)
        routing.woke()

    return handle
