"""Snapshot files for contract documents: a change to a schema or to the AsyncAPI document fails the suite
until the snapshot is regenerated and the diff reviewed.

Regenerate: ``SLRT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/contract`` (then ``git diff
tests/contract/snapshots docs/schemas``). The published JSON Schemas of the messages (``docs/schemas``) are
snapshots too: what agencies read is what the models say.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SLRT_UPDATE_SNAPSHOTS", "") not in ("", "0", "false")


def render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def assert_matches_snapshot(name: str, document: Any, *, root: Path = SNAPSHOTS) -> None:
    path = root / name
    text = render(document)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path}: run with SLRT_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{name} drifted from its snapshot: if the change is intended (and compatible within the major version), "
        "regenerate with SLRT_UPDATE_SNAPSHOTS=1 and review the diff")
