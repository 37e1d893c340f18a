"""The broker is down: POST /v1/cases still answers 201 (the events wait in the outbox), and when the broker
is back every case's events are published, once.

Two outages: the broker down from before intake starts, and the link to a running broker cut under a connected
producer (``outage.BrokerBehindLink``). Restarting the embedded broker itself under a running producer would
not be a fair test of intake: its memory storage forgets the topics, and it acknowledges writes to a topic it
no longer lists until the producer refreshes its metadata."""

from __future__ import annotations

import asyncio
import os
from collections import Counter

from slrt_contracts.envelope import from_kafka
from slrt_intake.adapters import tables as t
from slrt_intake.app import build_app

from tests.integration.intake.conftest import intake_settings
from tests.integration.intake.outage import BrokerBehindLink
from tests.support import eventually
from tests.support.apps import running
from tests.support.kafka import TopicReader
from tests.support.outbox import unpublished
from tests.unit.shared.registration_rules import VALID, with_value

OUTAGE_SECONDS = float(os.environ.get("SLRT_TEST_OUTAGE_SECONDS", "3"))  # longer: past the producer timeout
NIKS = ["3201011508950002", "3201015508950003", "3201012001800004"]


async def pending_rows(database_url: str) -> int:
    return await unpublished(database_url, t.outbox)


async def test_registration_goes_on_while_the_broker_is_away_and_publishes_once_after(
    database_url: str, topic_prefix: str, broker_factory
) -> None:
    broker = broker_factory()
    broker.stop()  # the broker is down when intake starts and while citizens are registered
    settings = intake_settings(database_url, broker.bootstrap, topic_prefix)
    app = build_app(settings)
    try:
        async with running(app) as client:
            during = []
            for nik in NIKS:
                r = await client.post("/v1/cases", json=with_value(VALID, ("citizen", "nik"), nik))
                assert r.status_code == 201
                during.append(r.json()["case_id"])
            assert (await client.get("/readyz")).status_code == 503
            assert await pending_rows(settings.database_url) == 2 * len(NIKS)  # case.registered + contacts each
            assert not app.state.intake.kafka.producer_ready.is_set()

            broker.start()

            async def all_published() -> bool:
                return await pending_rows(settings.database_url) == 0

            await eventually(all_published, timeout=120)
            topic = settings.topics.case_events
            async with TopicReader(broker.bootstrap, topic) as reader:
                async def every_case_seen() -> bool:
                    ids = {from_kafka(r.headers, r.value).data["case_id"] for r in reader.records}
                    return ids == set(during)

                await eventually(every_case_seen, timeout=60)
                await reader.read_to_end()
                events = [from_kafka(r.headers, r.value, r.key) for r in reader.records]
            assert Counter(e.data["case_id"] for e in events if e.type == "id.slrt.case.registered.v1") == \
                {case_id: 1 for case_id in during}
            assert len(events) == len(NIKS)
    finally:
        broker.stop()


async def test_an_outage_while_intake_runs_loses_and_duplicates_nothing(
    database_url: str, topic_prefix: str, broker_behind_link: BrokerBehindLink
) -> None:
    """The link to a running broker is cut under a connected producer and restored: the cases registered
    meanwhile answer 201, and every case's case.registered is on the topic once."""
    broker = broker_behind_link
    settings = intake_settings(database_url, broker.bootstrap, topic_prefix)
    app = build_app(settings)

    async def all_published() -> bool:
        return await pending_rows(settings.database_url) == 0

    async with running(app) as client:
        before = await client.post("/v1/cases", json=VALID)
        assert before.status_code == 201
        await eventually(all_published, timeout=60)

        await broker.link.cut()
        during = []
        for nik in NIKS:
            r = await client.post("/v1/cases", json=with_value(VALID, ("citizen", "nik"), nik))
            assert r.status_code == 201
            during.append(r.json()["case_id"])
        assert await pending_rows(settings.database_url) == 2 * len(NIKS)
        await asyncio.sleep(OUTAGE_SECONDS)  # the relay keeps trying meanwhile
        await broker.link.up()

        await eventually(all_published, timeout=120)
        topic = settings.topics.case_events
        cases = {before.json()["case_id"], *during}
        async with TopicReader(broker.bootstrap, topic) as reader:
            async def every_case_seen() -> bool:
                ids = {from_kafka(r.headers, r.value).data["case_id"] for r in reader.records}
                return ids == cases

            await eventually(every_case_seen, timeout=60)
            await reader.read_to_end()
            events = [from_kafka(r.headers, r.value, r.key) for r in reader.records]
        assert Counter(e.data["case_id"] for e in events if e.type == "id.slrt.case.registered.v1") == \
            {case_id: 1 for case_id in cases}

