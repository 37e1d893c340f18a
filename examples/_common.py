"""What the examples share: where the system is and who is asking, from the environment."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

BOOTSTRAP = os.environ.get("SLRT_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
PREFIX = os.environ.get("SLRT_TOPIC_PREFIX", "")
TOKEN = os.environ.get("SLRT_TOKEN", "")  # an access token of your system's client (slrt token issue, under make run)
SOURCE = os.environ.get("SLRT_SOURCE", "/agency/example")  # your system's CloudEvents source


def topic(name: str) -> str:
    return PREFIX + name


def sample_cases() -> list[dict[str, Any]]:
    return json.loads((Path(__file__).with_name("cases.json")).read_text(encoding="utf-8"))
