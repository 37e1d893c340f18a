"""``slrt serve intake``: one intake process, production style."""

from __future__ import annotations

import sys

from slrt_shared.pseudonyms import PseudonymKeyError

from slrt_intake.settings import IntakeSettings


def main() -> None:
    settings = IntakeSettings()
    try:
        settings.pseudonyms()  # refused at once, before anything is imported or started
    except PseudonymKeyError as exc:
        sys.exit(f"slrt serve intake: {exc}")
    from slrt_shared.serve import serve

    from slrt_intake.app import build_app

    serve(settings, build_app)


if __name__ == "__main__":
    main()
