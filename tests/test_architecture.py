"""The seams of the design: services import ``shared`` and ``contracts`` and never one another; ``shared``
imports no service; ``contracts`` imports neither the kernel nor a service, a broker client or a database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Services never import one another KEPT" in result.stdout
    assert "The shared kernel imports no service KEPT" in result.stdout
    assert "The contracts package stands alone" in result.stdout


def test_a_service_importing_another_is_caught(tmp_path: Path) -> None:
    """The check is not vacuous: a deliberate violation in a copy of the config fails it."""
    offender = ROOT / "services" / "routing" / "src" / "slrt_routing" / "_architecture_probe.py"
    offender.write_text("import slrt_intake.app  # deliberate violation for the architecture test\n")
    try:
        lint = Path(sys.executable).parent / "lint-imports"
        result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode != 0
        assert "Services never import one another BROKEN" in result.stdout
    finally:
        offender.unlink()


def test_the_contracts_importing_the_kernel_or_a_broker_client_is_caught() -> None:
    offender = ROOT / "contracts" / "src" / "slrt_contracts" / "_architecture_probe.py"
    offender.write_text("import aiokafka  # deliberate violation for the architecture test\n")
    try:
        lint = Path(sys.executable).parent / "lint-imports"
        result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode != 0
        assert "stands alone: no kernel, no service, no broker client, no" in result.stdout
        assert "BROKEN" in result.stdout
    finally:
        offender.unlink()
