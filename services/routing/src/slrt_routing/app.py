"""Routing's composition root: ``build_app(settings)``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from slrt_shared import db
from slrt_shared.access.verifier import verifier_from
from slrt_shared.asyncapi import asyncapi_router
from slrt_shared.outbox import OutboxRelay
from slrt_shared.purge import inbox_horizon, purge_loops
from slrt_shared.runtime import KafkaRuntime
from slrt_shared.service import Loop, service_app

from slrt_routing.adapters import tables
from slrt_routing.domain.rules import load_rule_book
from slrt_routing.entrypoints import asyncapi, events, http
from slrt_routing.service_layer.context import Routing, SlaPolicy
from slrt_routing.service_layer.timers import read_gauges, run_sweeper
from slrt_routing.settings import RoutingSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: RoutingSettings) -> FastAPI:
    rules = load_rule_book(settings.rules_file)  # fails fast, naming the bad entry
    engine = db.create_engine(settings.database_url)
    sessions = db.session_factory(engine)
    kafka = KafkaRuntime(settings)
    relay = OutboxRelay(sessions=sessions, outbox=tables.outbox, producer=lambda: kafka.producer,
                        name="routing", poll_seconds=settings.outbox_poll_seconds)
    close_after = (timedelta(seconds=settings.close_after_seconds) if settings.close_after_seconds is not None
                   else timedelta(days=settings.close_after_days))
    sla = SlaPolicy(ladder=dict(rules.sla_working_days), override_seconds=settings.sla_override_seconds)
    routing = Routing(sessions=sessions, rules=rules, sla=sla, topics=settings.topics, close_after=close_after,
                      wake=relay.wake)

    verifier = verifier_from(settings)
    kafka.subscribe(settings.topics.case_events, group="case-events",
                    handler=kafka.batched(events.CASE_EVENTS_CONSUMER, events.case_events_handler(routing)),
                    description="registrations dispatch referrals; complaints reopen resolved cases")
    kafka.subscribe(settings.topics.referral_updates, group="referral-updates",
                    handler=kafka.reliable("routing-referral-updates", events.referral_updates_handler(routing),
                                           authenticate=verifier),
                    description="programme owners' answers to referrals")

    kafka.uses(settings.topics.case_events)

    sweeper = Loop("sla-sweeper", lambda: run_sweeper(routing, interval=settings.sweep_interval_seconds,
                                                      batch=settings.sweep_batch), needs_producer=False)
    purge = purge_loops(settings, sessions, inbox_horizon(tables.inbox, settings))
    return service_app(
        title="SLRT routing",
        description="Dispatches referrals to programme owners by rules; escalates on SLA deadlines.",
        engine=engine, kafka=kafka, migrations=MIGRATIONS, state={"routing": routing},
        routers=[http.router,
                 asyncapi_router("routing", asyncapi.routing_channels(settings.topics), settings)],
        loops=[Loop("outbox-relay", relay.run), sweeper, *purge],
        verifier=verifier, readings=[relay.read_backlog, lambda: read_gauges(routing)], audit=tables.audit_log,
        audit_cases=(tables.cases.c.case_id, tables.cases.c.region_code))
