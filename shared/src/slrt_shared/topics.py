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
