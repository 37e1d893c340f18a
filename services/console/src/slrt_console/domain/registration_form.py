"""The registration form and the API's body: the form's fields are flat (one input each), the body is the
contract's ``CaseRegistration``. An empty input is an absent field, so the API's own rules decide what is
missing. The API names a bad field by its path in the body; the form shows the message beside its input."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Form = Mapping[str, Sequence[str]]

CITIZEN = ("nik", "kk", "name", "phone", "email", "language")
ADDRESS = ("region_code", "street", "rt", "rw")
HOUSEHOLD = ("dtsen_status", "desil")
FIELDS = (*CITIZEN, *ADDRESS, *HOUSEHOLD, "needs", "ppks", "description", "channel", "consent")
#: Where a body path's message goes: the first path part the form knows.
_GROUPS = {"citizen", "address", "household"}


def _one(form: Form, name: str) -> str | None:
    values = form.get(name) or ()
    value = values[0].strip() if values else ""
    return value or None


def _section(form: Form, names: Sequence[str]) -> dict[str, Any]:
    return {name: value for name in names if (value := _one(form, name)) is not None}


def _number(text: str) -> int | str:
    return int(text) if text.isdigit() else text  # not a number: left as typed, for the API to name


def body_of(form: Form) -> dict[str, Any]:
    """The API body the form stands for."""
    body: dict[str, Any] = {"citizen": _section(form, CITIZEN), "address": _section(form, ADDRESS)}
    household = _section(form, HOUSEHOLD)
    if "desil" in household:
        household["desil"] = _number(household["desil"])
    if household:
        body["household"] = household
    body["needs"] = [v for v in form.get("needs", ()) if v]
    body["ppks"] = [_number(v) for v in form.get("ppks", ()) if v]
    for name in ("description", "channel"):
        if (value := _one(form, name)) is not None:
            body[name] = value
    body["consent"] = _one(form, "consent") in ("on", "true", "yes", "1")
    return body


def field_of(loc: Sequence[str | int]) -> str:
    """The form field an API error path names (``["body", "citizen", "nik"]`` -> ``nik``); ``form`` when none."""
    parts = [p for p in loc if p != "body"]
    if parts and parts[0] in _GROUPS:
        parts = parts[1:]
    return str(parts[0]) if parts and str(parts[0]) in FIELDS else "form"


def messages_by_field(items: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The API's error items (``{"loc", "msg", "type"}``), grouped by the form field they belong to."""
    out: dict[str, list[str]] = {}
    for item in items:
        found = out.setdefault(field_of(item.get("loc", ())), [])
        if item.get("msg") and item["msg"] not in found:
            found.append(item["msg"])
    return out
