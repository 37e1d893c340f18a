"""The console's settings (``SLRT_`` prefix)."""

from __future__ import annotations

from pydantic import Field
from slrt_shared.settings import ServiceSettings


class ConsoleSettings(ServiceSettings):
    service_name: str = "console"
    console_port: int = 8005
    console_public_url: str = Field(default="http://127.0.0.1:8005",
                                    description="where citizens and officers reach the console (links, cookies)")
    console_intake_url: str = "http://127.0.0.1:8001"
    console_routing_url: str = "http://127.0.0.1:8002"
    console_reporting_url: str = "http://127.0.0.1:8004"
    console_session_minutes: int = Field(default=480, ge=5, description="a sign-in lasts this long (one shift)")
    console_api_timeout_seconds: float = Field(default=10.0, gt=0)
    console_oidc_client_id: str = Field(default="slrt-console", description="the console's OpenID Connect client")
    console_oidc_client_secret: str | None = Field(
        default=None, description="unset for a public client (PKCE only, as the realm in deploy/ defines it)")

    @property
    def port(self) -> int:
        return self.console_port

    @property
    def database_url(self) -> str:
        return ""  # the console keeps no data

    @property
    def dev_sign_in(self) -> bool:
        """The development sign-in page: only while the services accept the development key's tokens."""
        return not self.auth_issuer

    @property
    def secure_cookies(self) -> bool:
        return self.console_public_url.startswith("https://")
