"""``slrt serve notification``: one notification process, production style."""

from __future__ import annotations

from slrt_shared.serve import serve

from slrt_notification.app import build_app
from slrt_notification.settings import NotificationSettings


def main() -> None:
    settings = NotificationSettings()
    serve(settings, build_app)


if __name__ == "__main__":
    main()
