"""What notification's use cases need: sessions, rules, templates, channels, directory, limits, retry policy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from slrt_contracts.topics import Topics
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from slrt_notification.adapters.channels import Channel
from slrt_notification.adapters.directory import Directory
from slrt_notification.adapters.rate_limit import TokenBucket
from slrt_notification.domain.rules import NotificationRules
from slrt_notification.domain.templates import MessageTemplates

SOURCE = "/slrt/notification"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    first_seconds: float = 2.0
    max_seconds: float = 300.0
    lease_seconds: float = 60.0


@dataclass
class Notifier:
    sessions: async_sessionmaker[AsyncSession]
    topics: Topics
    rules: NotificationRules
    templates: MessageTemplates
    directory: Directory
    channels: dict[str, Channel] = field(default_factory=dict)
    limits: dict[str, TokenBucket] = field(default_factory=dict)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    concurrency: int = 10
    contacts_wait_seconds: float = 3 * 86400
    status_url: str = ""  # the citizens' status page (the console's /status), linked from their messages
    wake_relay: Callable[[], None] | None = None
    outcomes: Counter[str] = field(default_factory=Counter)  # outcomes this instance recorded, by status

    def woke(self) -> None:
        """New rows in the outbox: let the relay publish them now rather than at its next poll."""
        if self.wake_relay is not None:
            self.wake_relay()
