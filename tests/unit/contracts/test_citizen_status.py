"""The body of the citizens' status look-up: a case number (dashes optional, written back with them) and four
digits; anything else is refused naming the field, without repeating the input."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from slrt_contracts.citizen_status import StatusRequest
from slrt_shared.errors import error_items


def errors(body: object) -> list[dict[str, object]]:
    with pytest.raises(ValidationError) as caught:
        StatusRequest.model_validate(body)
    return error_items(list(caught.value.errors()), indonesian=False, prefix=("body",))


def test_a_case_number_with_or_without_dashes_and_four_digits() -> None:
    for number in ("3201-2026-000042", "32012026000042", "3201-2026000042"):
        assert StatusRequest.model_validate({"case_number": number, "phone_last4": "7890"}).case_number == \
            "3201-2026-000042"


@pytest.mark.parametrize(("body", "loc", "type_"), [
    ({"case_number": "3201-26-42", "phone_last4": "7890"}, ["body", "case_number"], "case_number_format"),
    ({"case_number": " 3201-2026-000042", "phone_last4": "7890"}, ["body", "case_number"], "case_number_format"),
    ({"case_number": "٣٢٠١-٢٠٢٦-٠٠٠٠٤٢", "phone_last4": "7890"}, ["body", "case_number"], "case_number_format"),
    ({"case_number": "3201-2026-000042", "phone_last4": "789"}, ["body", "phone_last4"], "phone_last4_format"),
    ({"case_number": "3201-2026-000042", "phone_last4": "78a0"}, ["body", "phone_last4"], "phone_last4_format"),
    ({"case_number": "3201-2026-000042", "phone_last4": "67890"}, ["body", "phone_last4"], "string_too_long"),
    ({"case_number": "3201-2026-000042", "phone_last4": 7890}, ["body", "phone_last4"], "string_type"),
    ({"case_number": "3201-2026-000042"}, ["body", "phone_last4"], "missing"),
    ({"case_number": "3201-2026-000042", "phone_last4": "7890", "nik": "3201015508950001"}, ["body", "nik"],
     "extra_forbidden"),
])
def test_each_bad_field_is_named(body: dict[str, object], loc: list[str], type_: str) -> None:
    [item] = errors(body)
    assert (item["loc"], item["type"]) == (loc, type_)
    assert "7890" not in str(item["msg"]) and "3201" not in str(item["msg"])
