"""Intake in-process: its real app (database, Kafka runtime, outbox relay) on a fresh database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings
from slrt_shared.embedded_broker import EmbeddedBroker

from tests.integration.intake.outage import BrokerBehindLink
from tests.support.apps import running
from tests.support.ports import closed_address


def intake_settings(database_url: str, bootstrap: str, topic_prefix: str = "", **extra: Any) -> IntakeSettings:
    return IntakeSettings(intake_database_url=database_url, kafka_bootstrap=bootstrap, topic_prefix=topic_prefix,
                          outbox_poll_seconds=0.1, consumer_retry_backoff_seconds=0.05, **extra)


@pytest.fixture
def offline_settings(database_url: str, topic_prefix: str) -> IntakeSettings:
    """No broker answers: intake must still register (the outbox keeps the events)."""
    return intake_settings(database_url, closed_address(), topic_prefix)


@pytest.fixture
async def offline_intake(offline_settings: IntakeSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(build_app(offline_settings)) as client:
        yield client


@pytest.fixture
def online_settings(database_url: str, topic_prefix: str, kafka_broker: EmbeddedBroker) -> IntakeSettings:
    return intake_settings(database_url, kafka_broker.bootstrap, topic_prefix)


@pytest.fixture
async def broker_behind_link(tmp_path: Path) -> AsyncIterator[BrokerBehindLink]:
    """A broker of the test's own behind a link that can be cut (``outage.BrokerBehindLink``)."""
    broker = BrokerBehindLink(tmp_path / "broker.log")
    await broker.start()
    yield broker
    await broker.stop()
