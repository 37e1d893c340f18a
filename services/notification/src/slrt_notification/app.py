"""Notification's composition root: ``build_app(settings)``."""

from __future__ import annotations

import asyncio
import html
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from slrt_shared import db
from slrt_shared.asyncapi import asyncapi_router
from slrt_shared.outbox import OutboxRelay
from slrt_shared.purge import inbox_horizon, purge_loops
from slrt_shared.runtime import KafkaRuntime
from slrt_shared.service import Loop, service_app

from slrt_notification.adapters import tables
from slrt_notification.adapters.channels import Channel, SmsGatewayChannel, SmtpChannel
from slrt_notification.adapters.directory import load_directory
from slrt_notification.adapters.rate_limit import TokenBucket
from slrt_notification.adapters.rule_files import load_rules, load_templates
from slrt_notification.domain.templates import Rendered
from slrt_notification.entrypoints import asyncapi, subscriptions
from slrt_notification.entrypoints.events import (
    CONTACTS_CONSUMER,
    EVENTS_CONSUMER,
    case_events_handler,
    contacts_handlers,
)
from slrt_notification.service_layer.context import Notifier, RetryPolicy
from slrt_notification.service_layer.delivery import run_deliveries
from slrt_notification.service_layer.digest import run_digests
from slrt_notification.service_layer.webhooks import Hooks, WebhookPolicy, pause_notice, run_webhooks
from slrt_notification.settings import NotificationSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def open_channels(settings: NotificationSettings) -> dict[str, Channel]:
    """The channels configured: e-mail when SLRT_SMTP_HOST is set, SMS when SLRT_SMS_GATEWAY_URL is."""
    channels: dict[str, Channel] = {}
    if settings.smtp_host:
        channels["email"] = SmtpChannel(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
                                        username=settings.smtp_username, password=settings.smtp_password,
                                        starttls=settings.smtp_starttls, timeout=settings.smtp_timeout_seconds)
    if settings.sms_gateway_url:
        channels["sms"] = SmsGatewayChannel(url=settings.sms_gateway_url, token=settings.sms_gateway_token,
                                            timeout=settings.sms_timeout_seconds)
    return channels


def build_app(settings: NotificationSettings) -> FastAPI:
    templates = load_templates(settings.notification_templates_file)
    rules = load_rules(settings.notification_rules_file, templates)  # refuses to start on an invalid file
    engine = db.create_engine(settings.database_url)
    sessions = db.session_factory(engine)
    kafka = KafkaRuntime(settings)
    relay = OutboxRelay(sessions=sessions, outbox=tables.outbox, producer=lambda: kafka.producer,
                        name="notification", poll_seconds=settings.outbox_poll_seconds)
    notifier = Notifier(
        sessions=sessions, topics=settings.topics, rules=rules, templates=templates,
        directory=load_directory(settings.directory_file),
        limits={"sms": TokenBucket(settings.sms_per_second, settings.sms_burst),
                "email": TokenBucket(settings.email_per_second, settings.email_burst)},
        retry=RetryPolicy(attempts=settings.delivery_attempts, first_seconds=settings.retry_first_seconds,
                          max_seconds=settings.retry_max_seconds, lease_seconds=settings.lease_seconds),
        concurrency=settings.delivery_concurrency, contacts_wait_seconds=settings.contacts_wait_seconds,
        status_url=settings.status_page_url,
        wake_relay=relay.wake)
    wake = asyncio.Event()

    hooks = Hooks(sessions=sessions, policy=WebhookPolicy(
        first_seconds=settings.webhook_retry_first_seconds, max_seconds=settings.webhook_retry_max_seconds,
        pause_after=timedelta(seconds=settings.webhook_pause_after_seconds),
        timeout_seconds=settings.webhook_timeout_seconds))

    async def tell_paused(sub: Any) -> None:
        email = notifier.channels.get("email")
        if email is not None:
            subject, text = pause_notice(sub)
            await email.send(to=sub.contact_email, message=Rendered(subject=subject, text=text,
                                                                    html=f"<p>{html.escape(text)}</p>", sms=text),
                             idempotency_key=f"webhook-paused-{sub.subscription_id}-{sub.failing_since}")

    hooks.on_paused = tell_paused
    contacts_batch, on_erasure = contacts_handlers(notifier, wake)
    kafka.subscribe(settings.topics.case_contacts, group="contacts",
                    handler=kafka.batched(CONTACTS_CONSUMER, contacts_batch, on_tombstone=on_erasure),
                    description="citizens' contact details (restricted); a tombstone erases them")
    kafka.subscribe(settings.topics.case_events, group="case-events",
                    handler=kafka.batched(EVENTS_CONSUMER, case_events_handler(notifier, wake, hooks)),
                    description="what happened to a case: who is told what (the notification rules)")
    kafka.uses(settings.topics.notification_events)

    async def start_channels() -> None:
        notifier.channels.update(open_channels(settings))

    async def stop_channels() -> None:
        for channel in notifier.channels.values():
            await channel.close()
        notifier.channels.clear()

    webhook_deliveries = Loop("webhooks", lambda: run_webhooks(hooks, poll_seconds=settings.webhook_poll_seconds),
                              needs_producer=False)
    deliveries = Loop("deliveries", lambda: run_deliveries(notifier, poll_seconds=settings.delivery_poll_seconds,
                                                           wake=wake), needs_producer=False)
    digests = Loop("daily-digest", lambda: run_digests(notifier, hour=settings.digest_hour,
                                                      interval=settings.digest_check_seconds, wake=wake),
                   needs_producer=False)
    purge = purge_loops(settings, sessions, inbox_horizon(tables.inbox, settings))
    return service_app(
        title="SLRT notification",
        description="SMS and e-mail to citizens and officers, exactly once, surviving failing gateways.",
        engine=engine, kafka=kafka, migrations=MIGRATIONS, state={"notifier": notifier, "hooks": hooks},
        routers=[subscriptions.router,
                 asyncapi_router("notification", asyncapi.notification_channels(settings.topics, rules), settings)],
        loops=[Loop("outbox-relay", relay.run), deliveries, webhook_deliveries, digests, *purge],
        on_start=start_channels, on_stop=stop_channels, audit=tables.audit_log, readings=[relay.read_backlog],
        audit_cases=(tables.cases.c.case_id, tables.cases.c.region_code))
