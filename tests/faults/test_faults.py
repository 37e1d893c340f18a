"""Nothing lost or doubled, and no valid message dead-lettered, under each fault of ``slrt chaos``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from slrt.chaos.tally import Outcome
from slrt_contracts.topics import CONSUMED_BY

from tests.faults.conftest import assert_clean

pytestmark = pytest.mark.timeout(600)

Chaos = Callable[..., Awaitable[Outcome]]


async def test_a_service_killed_mid_load(chaos: Chaos, tmp_path: Path) -> None:
    assert_clean(await chaos("kill", seconds=12), tmp_path / "kill")


async def test_a_30_second_database_outage_mid_load_dead_letters_nothing_and_loses_nothing(
        chaos: Chaos, tmp_path: Path) -> None:
    outcome = await chaos("dbcut", seconds=30, cases=300)
    assert_clean(outcome, tmp_path / "dbcut")
    assert outcome.dead_letters == {}
    assert outcome.signs.get("partition_paused"), outcome.signs  # the consumers did meet the outage


async def test_sqlite_locked_by_another_writer(chaos: Chaos, tmp_path: Path) -> None:
    outcome = await chaos("sqlite-lock", seconds=12)
    assert_clean(outcome, tmp_path / "sqlite-lock")
    assert outcome.dead_letters == {}


async def test_the_sms_gateway_slower_than_its_timeout_then_failing(chaos: Chaos, tmp_path: Path) -> None:
    outcome = await chaos("gateway", seconds=12)
    assert_clean(outcome, tmp_path / "gateway")
    assert outcome.dead_letters == {}
    # the gateway refused some, and answered some too late so they came again: with the key it already had
    assert outcome.sms_refused and outcome.sms_repeated, outcome.as_json()


async def test_poison_on_every_consumed_topic_while_the_partitions_keep_flowing(chaos: Chaos, tmp_path: Path) -> None:
    outcome = await chaos("poison", seconds=8)
    assert_clean(outcome, tmp_path / "poison")  # valid messages behind the poison, on the same keys, all arrived
    assert set(outcome.dead_by_topic) == set(CONSUMED_BY), outcome.dead_by_topic
    assert {"undecodable", "unknown_type", "too_large", "invalid"} <= set(outcome.dead_letters)


async def test_events_duplicated_and_reordered(chaos: Chaos, tmp_path: Path) -> None:
    outcome = await chaos("duplicates", seconds=12)
    assert_clean(outcome, tmp_path / "duplicates")
    assert outcome.dead_letters == {}


async def test_two_instances_of_each_service_one_killed(chaos: Chaos, tmp_path: Path) -> None:
    outcome = await chaos("instances", seconds=15)
    assert_clean(outcome, tmp_path / "instances")
    assert outcome.dead_letters == {}
