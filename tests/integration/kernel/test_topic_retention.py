"""Topics holding personal data keep it only for the retention (``SLRT_PERSONAL_DATA_RETENTION_HOURS``): what a
service creates on the real broker carries the configuration ``docs/privacy.md`` promises."""

from __future__ import annotations

from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from slrt_contracts.topics import Topics
from slrt_shared.kafka import ensure_topics
from slrt_shared.settings import ServiceSettings

DAY_MS = 24 * 3600 * 1000


async def described(bootstrap: str, names: list[str]) -> dict[str, dict[str, str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        answers = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    finally:
        await admin.close()
    return {r[3]: {e[0]: e[1] for e in r[4]} for answer in answers for r in answer.resources}


async def test_personal_topics_and_their_dead_letters_expire_after_the_retention(kafka_broker: Any,
                                                                                   topic_prefix: str) -> None:
    settings = ServiceSettings(kafka_bootstrap=kafka_broker.bootstrap, topic_prefix=topic_prefix,
                               personal_data_retention_hours=48)
    topics = Topics(topic_prefix)
    names = [topics.intake_commands, Topics.dead_letter(topics.intake_commands), topics.case_contacts,
             Topics.dead_letter(topics.case_contacts), topics.referral_updates,
             Topics.dead_letter(topics.referral_updates), topics.case_events, Topics.dead_letter(topics.case_events)]
    await ensure_topics(settings, names)
    configs = await described(kafka_broker.bootstrap, names)
    two_days = str(2 * DAY_MS)
    for name in (topics.intake_commands, topics.referral_updates, *[Topics.dead_letter(n) for n in (
            topics.intake_commands, topics.case_contacts, topics.referral_updates)]):
        assert configs[name].get("retention.ms") == two_days, (name, configs[name])
        assert configs[name].get("cleanup.policy") == "delete", (name, configs[name])
    contacts = configs[topics.case_contacts]
    assert contacts.get("cleanup.policy") == "compact"
    assert contacts.get("max.compaction.lag.ms") == two_days and contacts.get("delete.retention.ms") == two_days
    assert contacts.get("segment.ms") == str(DAY_MS)
    # the public case events hold no personal data: the broker's own retention applies
    assert "retention.ms" not in configs[topics.case_events]
    assert "retention.ms" not in configs[Topics.dead_letter(topics.case_events)]
