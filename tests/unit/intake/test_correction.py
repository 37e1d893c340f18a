"""What a correction changes on a case, and the stored registration after it: pure."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from slrt_contracts.citizen_rights import CitizenCorrection
from slrt_intake.domain.correction import changes, corrected_body

CURRENT = {"name": "Siti Aminah", "phone": "+6281234567890", "email": "siti@example.id"}
ADDRESS = {"region_code": "32.01.01.1002", "rt": "003", "rw": "005", "street": "Jl. Melati 10"}
BODY = {"citizen": {"nik": "3201015508950001", **CURRENT}, "address": ADDRESS, "description": "..."}


def test_only_what_differs_is_a_change() -> None:
    correction = CitizenCorrection.model_validate(
        {"name": "Siti Aminah", "phone": "0812-9876-5432", "email": None, "address": {"rt": "003", "street": None}})
    applied = changes(correction, current=CURRENT, address=ADDRESS)
    assert applied.contacts == {"phone": "+6281298765432", "email": None}
    assert applied.address == {"street": None}
    assert applied.fields == ["phone", "email", "address.street"]


def test_the_same_values_change_nothing() -> None:
    correction = CitizenCorrection.model_validate({"phone": "081234567890", "address": {"region_code": "3201011002"}})
    assert not changes(correction, current=CURRENT, address=ADDRESS)


def test_the_stored_registration_keeps_no_old_value() -> None:
    correction = CitizenCorrection.model_validate({"phone": "081298765432", "address": {"street": "Jl. Kenanga 3"}})
    body = corrected_body(BODY, changes(correction, current=CURRENT, address=ADDRESS))
    assert body["citizen"]["phone"] == "+6281298765432" and body["address"]["street"] == "Jl. Kenanga 3"
    assert body["address"]["rt"] == "003" and BODY["citizen"]["phone"] == "+6281234567890"  # a copy


@pytest.mark.parametrize(("body", "loc", "kind"), [
    ({}, (), "nothing_to_correct"),
    ({"name": None}, ("name",), "name_required"),
    ({"name": ""}, ("name",), "string_too_short"),
    ({"phone": "+1 202 555 0100"}, ("phone",), "phone_invalid"),
    ({"email": "siti@"}, ("email",), "email_invalid"),
    ({"address": {"rw": "x"}}, ("address", "rw"), "rt_rw_invalid"),
    ({"address": {"street": "Jl.\nMelati"}}, ("address", "street"), "control_characters"),
    ({"kk": "3201010101200001"}, ("kk",), "extra_forbidden"),
])
def test_each_bad_field_is_named(body: dict[str, object], loc: tuple[str, ...], kind: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CitizenCorrection.model_validate(body)
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [(loc, kind)]
