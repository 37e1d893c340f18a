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
