"""What a test needs beyond Python: PostgreSQL, Chromium. Missing, it skips and says what to install; under
``CI=true`` it fails the run instead, so CI can never go green without having run it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ON_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(available: bool, what: str, remedy: str) -> None:
    """Go on if ``available``; otherwise fail (under CI=true) or skip, naming what is missing and the remedy."""
    if available:
        return
    message = f"{what} is missing: {remedy}"
    if ON_CI:
        pytest.fail(f"{message} (CI=true: a missing dependency fails the run instead of skipping)", pytrace=False)
    pytest.skip(message)


def chromium_path() -> Path | None:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return Path(found) if Path(found).exists() else None


def prometheus_tools() -> tuple[Path, Path] | None:
    """``prometheus`` and ``promtool`` (Debian's package ``prometheus``), if both are installed."""
    found = [shutil.which(name) for name in ("prometheus", "promtool")]
    return (Path(found[0]), Path(found[1])) if all(found) else None


def require_prometheus() -> tuple[Path, Path]:
    tools = prometheus_tools()
    require(tools is not None, "Prometheus (prometheus, promtool)", "apt-get install prometheus")
    assert tools is not None
    return tools
