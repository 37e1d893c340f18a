"""Errors and their messages in Bahasa Indonesia and English. No message ever repeats an input value."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from slrt_shared.error_catalogue import ENGLISH_SAFE, FALLBACK_EN, FALLBACK_ID, INDONESIAN, INDONESIAN_PLAIN
from slrt_shared.logging import mask_text

#: Indonesian messages for pydantic's own error types (custom ones carry ``ctx.msg_id``).
_ID: dict[str, str] = INDONESIAN


def _indonesian(err: dict[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    if ctx.get("msg_id"):
        return str(ctx["msg_id"])
    template = _ID.get(err["type"], FALLBACK_ID)
    limits = {k: (str(v).replace(" or ", " atau ") if k == "expected" else v) for k, v in ctx.items()}
    try:
        return template.format_map(limits)
    except (KeyError, ValueError, IndexError):  # a limit pydantic did not pass: say what is wrong without it
        return INDONESIAN_PLAIN.get(err["type"], FALLBACK_ID)


def _english(err: dict[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    if ctx.get("msg_id"):
        return str(err["msg"])
    return ENGLISH_SAFE.get(err["type"]) or str(err.get("msg") or FALLBACK_EN)


def _safe_loc(part: Any) -> str | int:
    """A location names a field; an unknown field's name comes from the input, so personal data is masked."""
    return part if isinstance(part, int) else mask_text(str(part))[:100]


class SlrtError(Exception):
    """A domain error whose message is safe to show and to put in a dead-letter header."""


class PermanentError(SlrtError):
    """Retrying cannot help (an invalid transition, an unknown id): the message goes to the dead letters."""


class TransientError(SlrtError):
    """Something the work needs is briefly away: retrying later will help, so the message waits."""


def wants_indonesian(accept_language: str | None) -> bool:
    """Bahasa Indonesia unless the caller prefers English (``Accept-Language: en``)."""
    if not accept_language:
        return True
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("id") or tag.startswith("in"):
            return True
        if tag.startswith("en"):
            return False
    return True


def error_items(
    errors: list[dict[str, Any]], *, indonesian: bool, prefix: tuple[str | int, ...] = ()
) -> list[dict[str, Any]]:
    """pydantic errors -> contract items ``{"loc", "msg", "type"}``, without the input values."""
    return [{"loc": [*prefix, *(_safe_loc(p) for p in err["loc"])],
             "msg": _indonesian(err) if indonesian else _english(err), "type": err["type"]} for err in errors]


def validation_summary(exc: ValidationError) -> str:
    """A dead-letter-safe summary: field paths and error types only."""
    parts = [".".join(str(_safe_loc(p)) for p in e["loc"]) + ": " + e["type"] for e in exc.errors()[:10]]
    return "; ".join(parts)


def safe_error_message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return validation_summary(exc)
    if isinstance(exc, SlrtError) or (isinstance(exc, ValueError) and type(exc).__module__.startswith("slrt")):
        return str(exc)[:500]
    return f"{type(exc).__name__} (details in the consumer's logs)"
