"""``slrt serve reporting``: one reporting process, production style."""

from __future__ import annotations

from slrt_shared.serve import serve

from slrt_reporting.app import build_app
from slrt_reporting.settings import ReportingSettings


def main() -> None:
    settings = ReportingSettings()
    serve(settings, build_app)


if __name__ == "__main__":
    main()
