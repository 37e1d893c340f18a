"""Kafka topic names of the contract. A prefix (``SLRT_TOPIC_PREFIX``) isolates test runs and tenants."""

from __future__ import annotations

from dataclasses import dataclass

INTAKE_COMMANDS = "slrt.intake.commands"
INTAKE_REPLIES = "slrt.intake.replies"
CASE_EVENTS = "slrt.case.events"
CASE_CONTACTS = "slrt.case.contacts"
REFERRAL_UPDATES = "slrt.referral.updates"
NOTIFICATION_EVENTS = "slrt.notification.events"
DEAD_LETTER_SUFFIX = ".dlt"
DAY_MS = 24 * 3600 * 1000

#: The services consuming each topic: the ones that may dead-letter its messages (and whose audit trail tells
#: of what an operator did with those dead letters).
CONSUMED_BY: dict[str, tuple[str, ...]] = {
    INTAKE_COMMANDS: ("intake",),
    CASE_EVENTS: ("intake", "routing", "notification", "reporting"),
    CASE_CONTACTS: ("notification",),
    REFERRAL_UPDATES: ("routing",),
    NOTIFICATION_EVENTS: ("reporting",),
}
#: Topics whose every message carries its sender's token (``authorization``), judged message by message.
AUTHENTICATED_TOPICS = (INTAKE_COMMANDS, REFERRAL_UPDATES)

#: Topics whose messages hold personal data or free text about a citizen (a registration with NIK and contacts,
#: an owner's free-text answer, the contacts): they and their dead letters are kept only for the personal-data
#: retention (``SLRT_PERSONAL_DATA_RETENTION_HOURS``, 7 days by default). ``docs/privacy.md`` lists them.
PERSONAL_TOPICS = (INTAKE_COMMANDS, REFERRAL_UPDATES, CASE_CONTACTS)


def topic_config(name: str, *, personal_retention_ms: int) -> dict[str, str]:
    """The configuration a topic is created with. The contacts topic is compacted (the latest contacts of each
    case; a tombstone erases them): records a tombstone or a newer record replaced are compacted away within
    the retention (``max.compaction.lag.ms``, daily segments), and the tombstone itself is kept as long so a
    consumer that was away still sees it. The other personal topics and every personal dead-letter topic
    simply delete after the retention."""
    base = name.removesuffix(DEAD_LETTER_SUFFIX)
    if not any(base.endswith(topic) for topic in PERSONAL_TOPICS):
        return {}
    retention = str(personal_retention_ms)
    if base.endswith(CASE_CONTACTS) and not name.endswith(DEAD_LETTER_SUFFIX):
        return {"cleanup.policy": "compact", "max.compaction.lag.ms": retention, "delete.retention.ms": retention,
                "segment.ms": str(min(personal_retention_ms, DAY_MS))}
    return {"cleanup.policy": "delete", "retention.ms": retention}


@dataclass(frozen=True)
class Topics:
    prefix: str = ""

    def _name(self, base: str) -> str:
        return f"{self.prefix}{base}"

    @property
    def intake_commands(self) -> str:
        return self._name(INTAKE_COMMANDS)

    @property
    def intake_replies(self) -> str:
        return self._name(INTAKE_REPLIES)

    @property
    def case_events(self) -> str:
        return self._name(CASE_EVENTS)

    @property
    def case_contacts(self) -> str:
        return self._name(CASE_CONTACTS)

    @property
    def referral_updates(self) -> str:
        return self._name(REFERRAL_UPDATES)

    @property
    def notification_events(self) -> str:
        return self._name(NOTIFICATION_EVENTS)

    @staticmethod
    def dead_letter(topic: str) -> str:
        return f"{topic}{DEAD_LETTER_SUFFIX}"
