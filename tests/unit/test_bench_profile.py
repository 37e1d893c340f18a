"""The profile summary of ``slrt bench pipeline``: busy samples by the package of the innermost frame."""

from __future__ import annotations

from slrt.bench.pipeline import top_frames

COLLAPSED = "\n".join([
    "main (slrt/cli.py:1);select (selectors.py:469) 50",  # the event loop waiting: not busy
    "main (slrt/cli.py:1);execute (.venv/lib/python3.11/site-packages/sqlalchemy/engine/base.py:1415) 30",
    "main (slrt/cli.py:1);_execute (.venv/lib/python3.11/site-packages/aiosqlite/core.py:100) 60",
    "main (slrt/cli.py:1);register_case (services/intake/src/slrt_intake/service_layer/registration.py:9) 10",
    "not a sample line",
])


def test_busy_samples_are_shared_by_package_without_the_idle_loop() -> None:
    assert top_frames(COLLAPSED) == [("aiosqlite", 60.0), ("sqlalchemy", 30.0), ("slrt_intake", 10.0)]


def test_no_samples_give_no_shares() -> None:
    assert top_frames("") == []
