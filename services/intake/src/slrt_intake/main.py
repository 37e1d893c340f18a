"""``slrt serve intake``: one intake process, production style."""

from __future__ import annotations

from slrt_shared.serve import serve

from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings


def main() -> None:
    settings = IntakeSettings()
    serve(settings, build_app)


if __name__ == "__main__":
    main()
