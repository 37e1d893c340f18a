"""What the tests of ``deploy/`` share: the paths, the validators (the ``dev`` group installs them into the
project's environment; missing, a test skips, or fails under ``CI=true``), and the settings the services read."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml
from slrt_console.settings import ConsoleSettings
from slrt_intake.settings import IntakeSettings
from slrt_notification.settings import NotificationSettings
from slrt_reporting.settings import ReportingSettings
from slrt_routing.settings import RoutingSettings
from slrt_shared.settings import ServiceSettings

from tests.support.dependencies import require

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = DEPLOY / "compose.env.example"
SERVICES = ("intake", "routing", "notification", "reporting")
SETTINGS: dict[str, type[ServiceSettings]] = {
    "intake": IntakeSettings, "routing": RoutingSettings, "notification": NotificationSettings,
    "reporting": ReportingSettings, "console": ConsoleSettings,
}
#: The contract's ports (shared/CONTRACT.md): what the proxy publishes for each service.
CONTRACT_PORTS = {"intake": 8001, "routing": 8002, "notification": 8003, "reporting": 8004, "console": 8005}
#: What Prometheus scrapes: the services and the console.
SCRAPED = (*SERVICES, "console")


def tool(name: str, what: str | None = None) -> Path:
    """A validator's executable: beside this Python (the project's venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = beside if beside.exists() else (Path(p) if (p := shutil.which(name)) else None)
    require(found is not None, what or name, "make env (the pyproject's dev group installs it on Linux)")
    assert found is not None
    return found


def run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def clean_env(**extra: str) -> dict[str, str]:
    """A minimal environment: the tests' own SLRT_* variables (conftest sets some) never leak into a tool."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **extra}


@cache
def compose_raw() -> dict:
    """docker-compose.yml as YAML reads it (anchors and merge keys resolved, ${...} left as written)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


def env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


def settings_fields() -> set[str]:
    """Every SLRT_* variable some service reads."""
    return {f"SLRT_{name.upper()}" for cls in SETTINGS.values() for name in cls.model_fields}


def settings_from(service: str, environment: dict[str, str], monkeypatch) -> ServiceSettings:  # noqa: ANN001
    """The service's settings as the process would read them from exactly ``environment``."""
    for key in list(os.environ):
        if key.startswith("SLRT_"):
            monkeypatch.delenv(key)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    return SETTINGS[service]()
