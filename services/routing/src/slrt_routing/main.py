"""``slrt serve routing``: one routing process, production style."""

from __future__ import annotations

from slrt_shared.serve import serve

from slrt_routing.app import build_app
from slrt_routing.settings import RoutingSettings


def main() -> None:
    settings = RoutingSettings()
    serve(settings, build_app)


if __name__ == "__main__":
    main()
