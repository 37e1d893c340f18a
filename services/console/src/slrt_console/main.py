"""``slrt serve console``: one console process, production style."""

from __future__ import annotations

from slrt_shared.serve import serve

from slrt_console.app import build_app
from slrt_console.settings import ConsoleSettings


def main() -> None:
    serve(ConsoleSettings(), build_app)


if __name__ == "__main__":
    main()
