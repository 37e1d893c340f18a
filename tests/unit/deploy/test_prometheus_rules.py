"""The Prometheus configuration and alert rules in ``deploy/prometheus`` are valid, and each alert fires on the
series that should raise it (``promtool test rules``), with the real promtool."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.dependencies import require_prometheus

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "prometheus"


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    _, promtool = require_prometheus()
    return subprocess.run([str(promtool), *args], cwd=DEPLOY, capture_output=True, text=True, timeout=60)


def test_the_alert_rules_are_valid_and_fire_when_they_should() -> None:
    checked = _promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = _promtool("test", "rules", "alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_the_scrape_configuration_is_valid() -> None:
    checked = _promtool("check", "config", "prometheus.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
