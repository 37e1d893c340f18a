"""Notification's settings (``SLRT_`` prefix). The e-mail and SMS names are fixed by the contract."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from slrt_shared.settings import ServiceSettings

PACKAGE = Path(__file__).resolve().parent
SAMPLE_DIRECTORY = PACKAGE / "directory" / "sample-directory.yaml"
DEFAULT_RULES = PACKAGE / "rules" / "notification-rules.yaml"
DEFAULT_TEMPLATES = PACKAGE / "templates" / "messages.yaml"


class NotificationSettings(ServiceSettings):
    service_name: str = "notification"
    notification_port: int = 8003
    notification_database_url: str = "sqlite+aiosqlite:///./var/notification.db"
    # e-mail (SLRT_SMTP_*): unset host = no e-mail is sent
    smtp_host: str | None = Field(default=None, description="unset: no e-mail is sent")
    smtp_port: int = 25
    smtp_from: str = "slrt@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=15.0, gt=0)
    # SMS (SLRT_SMS_GATEWAY_*): unset URL = no SMS is sent
    sms_gateway_url: str | None = Field(default=None, description="unset: no SMS is sent")
    sms_gateway_token: str | None = None
    sms_timeout_seconds: float = Field(default=10.0, gt=0)
    # who is told what, and in which words
    notification_rules_file: Path = Field(default=DEFAULT_RULES, description="who is told what (YAML)")
    notification_templates_file: Path = Field(default=DEFAULT_TEMPLATES, description="the messages, id and en")
    directory_file: Path = Field(default=SAMPLE_DIRECTORY, description="officers and supervisors per region")
    # delivery: retries, leases, rate limits
    delivery_attempts: int = Field(default=8, ge=1, description="tries before notification.failed")
    retry_first_seconds: float = Field(default=2.0, gt=0, le=5, description="first retry delay (within 5 s)")
    retry_max_seconds: float = Field(default=300.0, gt=0, description="cap of the exponential backoff")
    lease_seconds: float = Field(default=60.0, gt=0, description="a claimed message whose outcome was never "
                                 "recorded (a crash) is sent again, with the same key, after this")
    sms_per_second: float = Field(default=5.0, gt=0, description="rate limit: paid SMS is never drained by a loop")
    sms_burst: int = Field(default=10, ge=1)
    email_per_second: float = Field(default=20.0, gt=0)
    email_burst: int = Field(default=40, ge=1)
    delivery_concurrency: int = Field(default=100, ge=1, description="messages sent at once by one instance")
    delivery_poll_seconds: float = Field(default=0.5, gt=0)
    status_page_url: str = Field(default="", description="the citizens' status page (the console's /status), "
                                                      "linked from their messages; empty: no link")
    contacts_wait_seconds: float = Field(default=3 * 86400, gt=0, description="a citizen's message waits this "
                                         "long for the case's contacts, then is skipped")
    webhook_retry_first_seconds: float = Field(default=1.0, gt=0, description="first retry of a failed webhook "
                                               "delivery; doubled on each failure")
    webhook_retry_max_seconds: float = Field(default=300.0, gt=0, description="cap of the webhook backoff")
    webhook_pause_after_seconds: float = Field(default=86400.0, gt=0, description="a subscription whose "
                                               "deliveries fail this long without a success is paused")
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, description="a receiver's answer is awaited this "
                                           "long")
    webhook_poll_seconds: float = Field(default=0.5, gt=0)
    digest_hour: int = Field(default=7, ge=0, le=23, description="local hour of the daily digest to supervisors")
    digest_check_seconds: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> NotificationSettings:
        if self.lease_seconds <= max(self.smtp_timeout_seconds, self.sms_timeout_seconds):
            raise ValueError("lease_seconds must be longer than the SMTP and SMS timeouts")
        return self

    @property
    def port(self) -> int:
        return self.notification_port

    @property
    def database_url(self) -> str:
        return self.notification_database_url
