"""Intake's composition root: ``build_app(settings)`` wires the database, Kafka, the outbox relay and the
routes. No module-level state; tests build their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from slrt_contracts.envelope import CloudEvent
from slrt_shared import db
from slrt_shared.access.limits import WriteLimits
from slrt_shared.access.verifier import verifier_from
from slrt_shared.asyncapi import asyncapi_router
from slrt_shared.outbox import OutboxRelay
from slrt_shared.pseudonyms import Pseudonyms
from slrt_shared.purge import purge_loops
from slrt_shared.runtime import KafkaRuntime
from slrt_shared.service import Loop, service_app
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from slrt_intake.adapters import tables
from slrt_intake.entrypoints import asyncapi, citizens, erasure, http, rights, status
from slrt_intake.entrypoints.commands import CommandHandler
from slrt_intake.service_layer import case_status, key_retention, retention, status_check
from slrt_intake.service_layer.registrar import Registrar
from slrt_intake.settings import IntakeSettings

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class IntakeContext:
    settings: IntakeSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    kafka: KafkaRuntime
    relay: OutboxRelay
    pseudonyms: Pseudonyms
    registrar: Registrar
    #: ``POST /v1/status``: each client address's budget of look-ups, in this process
    status_clients: WriteLimits


def build_app(settings: IntakeSettings) -> FastAPI:
    pseudonyms = settings.pseudonyms()  # no app without a usable key (PseudonymKeyError)
    engine = db.create_engine(settings.database_url)
    sessions = db.session_factory(engine)
    kafka = KafkaRuntime(settings)
    relay = OutboxRelay(sessions=sessions, outbox=tables.outbox, producer=lambda: kafka.producer, name="intake",
                        poll_seconds=settings.outbox_poll_seconds)
    ctx = IntakeContext(settings, engine, sessions, kafka, relay, pseudonyms,
                        Registrar(sessions=sessions, topics=settings.topics, pseudonyms=pseudonyms),
                        WriteLimits(settings.status_rate_per_minute / 60, settings.status_rate_per_minute))
    commands = CommandHandler(sessions=sessions, topics=settings.topics, pseudonyms=pseudonyms,
                              wake=relay.wake)
    verifier = verifier_from(settings)
    kafka.subscribe(settings.topics.intake_commands, group="commands",
                    handler=kafka.batched("intake-commands", commands.batch, authenticate=verifier),
                    description="case.register and complaint.file commands from agencies")

    async def follow_routing(events: list[CloudEvent]) -> None:
        await case_status.follow(sessions=sessions, events=events)

    kafka.subscribe(settings.topics.case_events, group="case-events",
                    handler=kafka.batched(case_status.CONSUMER, follow_routing),
                    description="routing's reports (referred, resolved, closed, reopened) keep intake's status")

    kafka.uses(settings.topics.case_events, settings.topics.case_contacts, settings.topics.intake_replies)

    loops = [Loop("outbox-relay", relay.run)]
    if settings.closed_case_retention_days:
        keep = timedelta(days=settings.closed_case_retention_days)
        loops.append(Loop("retention", needs_producer=False, run=lambda: retention.run_retention(
            sessions=sessions, topics=settings.topics, keep=keep, every_seconds=settings.retention_sweep_seconds,
            wake=relay.wake)))
    loops += purge_loops(settings, sessions,
                         [*key_retention.purge_horizons(settings), *status_check.purge_horizons(settings)])

    return service_app(
        title="SLRT intake", description="Registers cases and complaints; publishes case events through the outbox.",
        engine=engine, kafka=kafka, migrations=MIGRATIONS, state={"intake": ctx},
        routers=[http.router, erasure.router, citizens.router, rights.router, status.router,
                 asyncapi_router("intake", asyncapi.intake_channels(settings.topics), settings)],
        loops=loops,
        verifier=verifier, readings=[relay.read_backlog], audit=tables.audit_log,
        audit_cases=(tables.cases.c.case_id, tables.cases.c.region_code))
