"""Tracebacks in the logs say what failed and where, without the values the exceptions carry."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError
from slrt_shared.tracebacks import safe_traceback

SECRET = "Zulaikha Penanda Rahasia"


class Citizen(BaseModel):
    name: str
    age: int


def failed_validation() -> ValidationError:
    with pytest.raises(ValidationError) as failed:
        Citizen.model_validate({"name": SECRET, "age": SECRET})
    return failed.value


def test_a_validation_error_names_the_fields_not_the_input() -> None:
    exc = failed_validation()
    assert SECRET in str(exc)  # what Python would print
    text = safe_traceback(exc)
    assert SECRET not in text and "age: int_parsing" in text and "Citizen" in text


def test_causes_and_contexts_come_oldest_first_as_python_renders_them() -> None:
    try:
        try:
            try:
                raise KeyError("left-out")
            except KeyError:
                raise ValueError("second") from None
        except ValueError as second:
            raise RuntimeError("third") from second
    except RuntimeError as third:
        text = safe_traceback(third)
    assert "left-out" not in text  # suppressed context, as Python leaves it out
    assert text.index("ValueError: second") < text.index("direct cause") < text.index("RuntimeError: third")
    assert text.count("Traceback (most recent call last):") == 2
    try:
        try:
            raise failed_validation()
        except ValidationError:
            raise LookupError("while handling")  # noqa: B904 - the implicit context is what is tested
    except LookupError as handling:
        text = safe_traceback(handling)
    assert "During handling of the above exception" in text and SECRET not in text


def test_the_exceptions_of_a_group_are_rendered_the_same_way() -> None:
    group = ExceptionGroup("tasks failed", [failed_validation(), OSError("disk full")])
    text = safe_traceback(group)
    assert "tasks failed" in text and "OSError: disk full" in text and "age: int_parsing" in text
    assert SECRET not in text
