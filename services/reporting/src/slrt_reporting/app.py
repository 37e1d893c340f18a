"""Reporting's composition root: ``build_app(settings)``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from slrt_shared import db
from slrt_shared.asyncapi import asyncapi_router
from slrt_shared.purge import inbox_horizon, purge_loops
from slrt_shared.runtime import KafkaRuntime
from slrt_shared.service import service_app
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from slrt_reporting.adapters import tables as t
from slrt_reporting.entrypoints import asyncapi, exports, http
from slrt_reporting.entrypoints.events import CONSUMER, projection_batch_handler
from slrt_reporting.service_layer.rebuild import ensure_current
from slrt_reporting.settings import ReportingSettings

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class ReportingContext:
    settings: ReportingSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


def build_app(settings: ReportingSettings) -> FastAPI:
    engine = db.create_engine(settings.database_url)
    sessions = db.session_factory(engine)
    kafka = KafkaRuntime(settings)
    for topic, group, what in ((settings.topics.case_events, "projection-cases", "case events"),
                               (settings.topics.notification_events, "projection-notifications",
                                "notification outcomes")):
        kafka.subscribe(topic, group=group, description=f"{what} into the event log and the read models",
                        handler=kafka.batched(CONSUMER, projection_batch_handler(sessions)))

    async def rebuild_if_rules_changed() -> None:
        await ensure_current(engine)

    return service_app(
        title="SLRT reporting",
        description="Read models of every case for dashboards, stats and exports. No personal data.",
        engine=engine, kafka=kafka, migrations=MIGRATIONS, on_start=rebuild_if_rules_changed,
        state={"reporting": ReportingContext(settings, engine, sessions)},
        routers=[http.page, http.router, exports.router,
                 asyncapi_router("reporting", asyncapi.reporting_channels(settings.topics), settings)],
        audit=t.audit_log,
        loops=purge_loops(settings, sessions, inbox_horizon(t.inbox, settings)),
        audit_cases=(t.cases.c.case_id, t.cases.c.region_code))
