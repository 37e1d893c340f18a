"""Reading the rules and the message templates from their files (YAML; the HTML layout is Jinja2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from slrt_notification.domain.rules import NotificationRules, RulesError
from slrt_notification.domain.templates import MessageTemplates, TemplateFileError

LAYOUT = Path(__file__).resolve().parent.parent / "templates" / "email.html.j2"


def _read_yaml(path: Path, error: type[Exception]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"cannot read {path}: {type(exc).__name__}") from None


def load_templates(path: Path, layout: Path = LAYOUT) -> MessageTemplates:
    source = _read_yaml(path, TemplateFileError)
    if not isinstance(source, dict):
        raise TemplateFileError(f"{path}: expected a mapping of template names")
    try:
        html = layout.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateFileError(f"cannot read {layout}: {type(exc).__name__}") from None
    return MessageTemplates(source, html)


def load_rules(path: Path, templates: MessageTemplates) -> NotificationRules:
    return NotificationRules.from_mapping(_read_yaml(path, RulesError), templates=templates.names)
