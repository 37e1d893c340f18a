"""Messages as Jinja2 templates in Bahasa Indonesia (default) and English.

The texts are data (``templates/messages.yaml``); this module checks them and renders one message for a
channel. The case number identifies the case: no NIK and no full name in an SMS, and a 16-digit number is
masked before anything is sent. An owner's answer is told by its reason code, in the recipient's language
(``reason`` is the code's words); the owner's free text never reaches a template.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, StrictUndefined, Template, TemplateError, select_autoescape
from slrt_contracts.codes import reason_words
from slrt_shared.errors import SlrtError

from slrt_notification.domain import sms

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
FOOTER = {"id": "Pesan otomatis, mohon tidak dibalas.", "en": "Automatic message, please do not reply."}
DEFAULTS: dict[str, Any] = {"reason_code": None, "owner_name": "", "programme": "", "due": "", "count": 0,
                            "numbers": "", "more": 0, "region_code": "", "region_name": "", "date": "",
                            "from_level": "", "to_level": "", "level": "", "escalation": "", "status_url": ""}
_SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
_TEXT = Environment(undefined=StrictUndefined, autoescape=False)  # noqa: S701 - plain text and SMS, not HTML
_HTML = Environment(undefined=StrictUndefined, autoescape=select_autoescape(default=True))


class TemplateFileError(SlrtError):
    """The templates are not valid: the service refuses to start."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


@dataclass(frozen=True)
class _Compiled:
    subject: Template
    body: Template
    sms: Template


def mask_numbers(text: str) -> str:
    """NIK and KK are 16 digits: none is ever sent, whatever field it came in."""
    return _SIXTEEN_DIGITS.sub("****************", text)


class MessageTemplates:
    def __init__(self, source: Mapping[str, Any], layout: str) -> None:
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        try:
            self._layout = _HTML.from_string(layout)
            for name, languages in source.items():
                for lang in LANGUAGES:
                    parts = (languages or {}).get(lang) or {}
                    if not parts.get("subject") or not parts.get("body"):
                        raise TemplateFileError(f"template {name} needs a subject and a body in '{lang}'")
                    self._compiled[name, lang] = _Compiled(
                        subject=_TEXT.from_string(parts["subject"]), body=_TEXT.from_string(parts["body"]),
                        sms=_TEXT.from_string(parts.get("sms") or parts["body"]))
        except (TemplateError, AttributeError, TypeError) as exc:
            raise TemplateFileError(f"invalid message templates: {type(exc).__name__}: {exc}") from None

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self._compiled}

    def render(self, template: str, language: str, context: Mapping[str, Any], *,
               channel: str | None = None) -> Rendered:
        """The message in ``language`` (the default if it has none); for the ``sms`` or ``email`` channel only
        the forms it sends are rendered (the others are empty), any other channel gets every form."""
        lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
        compiled = self._compiled[template, lang]
        ctx = {**DEFAULTS, **context}
        ctx["reason"] = reason_words(ctx["reason_code"], lang)  # never a free text a stored context may hold
        subject = body = html = short = ""
        if channel != "sms":
            subject = " ".join(mask_numbers(compiled.subject.render(ctx)).split())  # one line: a mail header
            body = mask_numbers(compiled.body.render(ctx)).strip()
            html = self._layout.render(lang=lang, subject=subject, body=body, footer=FOOTER[lang])
        if channel != "email":
            short = sms.fit(mask_numbers(compiled.sms.render(ctx)).strip())
        return Rendered(subject=subject, text=body, html=html, sms=short)
