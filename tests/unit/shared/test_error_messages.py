"""Every pydantic error type has a Bahasa Indonesia message; limits are filled in; nothing echoes the input."""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel, ValidationError, conint, constr
from pydantic_core.core_schema import ErrorType
from slrt_shared.error_catalogue import ENGLISH_SAFE, INDONESIAN, INDONESIAN_PLAIN
from slrt_shared.errors import error_items, safe_error_message, validation_summary, wants_indonesian

ALL_TYPES = typing.get_args(ErrorType)


def test_every_pydantic_error_type_has_an_indonesian_message() -> None:
    missing = sorted(set(ALL_TYPES) - set(INDONESIAN))
    assert missing == [], f"translate these into Bahasa Indonesia in slrt_shared.error_catalogue: {missing}"


@pytest.mark.parametrize("type_", ALL_TYPES)
def test_each_message_is_rendered_without_its_limits_too(type_: str) -> None:
    [item] = error_items([{"type": type_, "loc": ("x",), "msg": "English", "input": "secret-input"}],
                         indonesian=True)
    assert item["msg"] and "{" not in item["msg"] and "secret-input" not in item["msg"]
    assert item["msg"] == INDONESIAN_PLAIN.get(type_, INDONESIAN[type_])


def test_limits_are_named() -> None:
    class Form(BaseModel):
        name: constr(max_length=5)  # type: ignore[valid-type]
        age: conint(ge=18)  # type: ignore[valid-type]

    with pytest.raises(ValidationError) as caught:
        Form.model_validate({"name": "terlalu panjang", "age": 3})
    messages = {tuple(i["loc"]): i["msg"] for i in error_items(caught.value.errors(), indonesian=True)}
    assert messages == {("name",): "paling banyak 5 karakter", ("age",): "paling kecil 18"}


def test_english_messages_that_could_echo_input_are_replaced() -> None:
    errors = [{"type": "value_error", "loc": ("x",), "msg": "Value error, 3201015508950001 is bad", "ctx": {}},
              {"type": "union_tag_invalid", "loc": ("y",), "msg": "Input tag 'siti@example.id' found", "ctx": {}}]
    items = error_items(errors, indonesian=False)
    assert [i["msg"] for i in items] == [ENGLISH_SAFE["value_error"], ENGLISH_SAFE["union_tag_invalid"]]


def test_an_unknown_field_named_like_personal_data_is_masked_in_the_location() -> None:
    errors = [{"type": "extra_forbidden", "loc": ("citizen", "3201015508950001"), "msg": "Extra inputs"}]
    [item] = error_items(errors, indonesian=True, prefix=("body",))
    assert item["loc"] == ["body", "citizen", "[NIK]"]


def test_dead_letter_summaries_hold_paths_and_types_only() -> None:
    class Citizen(BaseModel):
        nik: constr(pattern=r"^[0-9]{16}$")  # type: ignore[valid-type]

    with pytest.raises(ValidationError) as caught:
        Citizen.model_validate({"nik": "32010155089500xx"})
    assert validation_summary(caught.value) == "nik: string_pattern_mismatch"
    assert "32010155089500xx" not in safe_error_message(caught.value)
    assert safe_error_message(KeyError("3201015508950001")) == "KeyError (details in the consumer's logs)"


@pytest.mark.parametrize(("header", "indonesian"), [(None, True), ("", True), ("en", False), ("en-US,en;q=0.9", False),
                                                    ("id-ID,en;q=0.8", True), ("fr", True), ("fr,en;q=0.5", False)])
def test_bahasa_indonesia_unless_english_is_preferred(header: str | None, indonesian: bool) -> None:
    assert wants_indonesian(header) is indonesian
