"""The registration form's flat fields as the API's body, and the API's error paths as the form's fields."""

from __future__ import annotations

from slrt_console.domain.registration_form import body_of, field_of, messages_by_field


def test_a_filled_form_is_the_contract_s_body_and_empty_inputs_are_absent() -> None:
    form = {"nik": ["3201014402950001"], "kk": ["3201010101200001"], "name": [" Siti "], "phone": ["0812 3456 7890"],
            "email": [""], "region_code": ["32.01.01.1002"], "street": [""], "rt": ["3"], "needs": ["PKH", "PIP"],
            "ppks": ["24", "x"], "desil": ["2"], "dtsen_status": ["registered"], "description": ["Butuh PKH"],
            "channel": ["puskesos"], "consent": ["on"], "csrf": ["k"]}
    assert body_of(form) == {
        "citizen": {"nik": "3201014402950001", "kk": "3201010101200001", "name": "Siti", "phone": "0812 3456 7890"},
        "address": {"region_code": "32.01.01.1002", "rt": "3"},
        "household": {"dtsen_status": "registered", "desil": 2},
        "needs": ["PKH", "PIP"], "ppks": [24, "x"], "description": "Butuh PKH", "channel": "puskesos",
        "consent": True,
    }


def test_an_empty_form_leaves_the_api_to_name_what_is_missing() -> None:
    assert body_of({}) == {"citizen": {}, "address": {}, "needs": [], "ppks": [], "consent": False}


def test_api_paths_land_on_their_inputs() -> None:
    assert field_of(["body", "citizen", "nik"]) == "nik"
    assert field_of(["body", "address", "region_code"]) == "region_code"
    assert field_of(["body", "needs", 0]) == "needs"
    assert field_of(["body", "household", "desil"]) == "desil"
    assert field_of(["body"]) == "form" and field_of(["header", "Idempotency-Key"]) == "form"
    items = [{"loc": ["body", "needs", 0], "msg": "a"}, {"loc": ["body", "needs", 1], "msg": "a"},
             {"loc": ["body", "consent"], "msg": "b"}, {"loc": [], "msg": "c"}]
    assert messages_by_field(items) == {"needs": ["a"], "consent": ["b"], "form": ["c"]}
