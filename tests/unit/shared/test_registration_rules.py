"""The registration body's rules, one by one, with the field named and the message in both languages."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from slrt_contracts.codes import Programme
from slrt_contracts.commands import CaseRegistration, ComplaintBody, FileComplaint, RegisterCase
from slrt_shared.errors import error_items

from tests.unit.shared.registration_rules import RULES, VALID, Rule, with_value


def refusal(model: type, body: dict) -> list[dict]:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return caught.value.errors()  # type: ignore[return-value]


def test_the_example_body_is_valid() -> None:
    reg = CaseRegistration.model_validate(VALID)
    assert reg.citizen.phone == "+6281234567890"
    assert reg.address.region_code == "32.01.01.1002"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_each_rule_names_its_field_in_both_languages(rule: Rule) -> None:
    errors = refusal(CaseRegistration, rule.body())
    [indonesian] = error_items(errors, indonesian=True)
    [english] = error_items(errors, indonesian=False)
    assert indonesian == {"loc": list(rule.loc), "msg": rule.msg_id, "type": rule.type}
    assert english == {"loc": list(rule.loc), "msg": rule.msg_en, "type": rule.type}


def _echoable(rule: Rule) -> bool:
    """A string input that is not itself a word of the contract the message names (``true``, a code)."""
    return isinstance(rule.value, str) and len(rule.value.strip()) >= 2 and \
        rule.value.strip() not in rule.msg_id + rule.msg_en


@pytest.mark.parametrize("rule", [r for r in RULES if _echoable(r)], ids=lambda r: r.name)
def test_no_message_repeats_the_input(rule: Rule) -> None:
    items = error_items(refusal(CaseRegistration, rule.body()), indonesian=True) + \
        error_items(refusal(CaseRegistration, rule.body()), indonesian=False)
    for item in items:
        assert rule.value.strip() not in item["msg"]


def test_the_command_model_applies_the_same_rules() -> None:
    for rule in RULES:
        [error] = refusal(RegisterCase, rule.body())
        assert (tuple(error["loc"]), error["type"]) == (rule.loc, rule.type), rule.name


def test_every_bad_field_is_named_at_once() -> None:
    body = with_value(with_value(with_value(VALID, ("citizen", "nik"), "123"), ("needs",), []), ("consent",), False)
    locs = {tuple(e["loc"]) for e in refusal(CaseRegistration, body)}
    assert locs == {("citizen", "nik"), ("needs",), ("consent",)}


@pytest.mark.parametrize(("raw", "e164"), [("081234567890", "+6281234567890"), ("+62 812-3456-7890", "+6281234567890"),
                                           ("6281234567890", "+6281234567890"), ("021 1234567", "+62211234567")])
def test_phone_numbers_are_stored_in_e164(raw: str, e164: str) -> None:
    assert CaseRegistration.model_validate(with_value(VALID, ("citizen", "phone"), raw)).citizen.phone == e164


def test_region_codes_are_accepted_undotted_and_stored_dotted() -> None:
    reg = CaseRegistration.model_validate(with_value(VALID, ("address", "region_code"), " 3201011002 "))
    assert reg.address.region_code == "32.01.01.1002"


def test_text_is_trimmed_and_descriptions_may_have_line_breaks() -> None:
    body = with_value(with_value(VALID, ("citizen", "name"), "  Siti Aminah "), ("description",), "Baris satu.\nDua.")
    reg = CaseRegistration.model_validate(body)
    assert (reg.citizen.name, reg.description) == ("Siti Aminah", "Baris satu.\nDua.")


def test_optional_fields_may_be_left_out() -> None:
    body = {k: v for k, v in VALID.items() if k not in ("household", "ppks")}
    body["citizen"] = {"nik": "3201015508950001", "kk": "3201010101200001", "name": "Siti"}
    body["address"] = {"region_code": "32.01.01.1002"}
    reg = CaseRegistration.model_validate(body)
    assert reg.ppks == [] and reg.citizen.phone is None and reg.household.dtsen_status.value == "unknown"


def test_a_household_not_in_dtsen_also_needs_dtsen() -> None:
    reg = CaseRegistration.model_validate(with_value(VALID, ("household", "dtsen_status"), "not_registered"))
    assert reg.all_needs() == [Programme.PKH, Programme.PBI_JK, Programme.DTSEN]


COMPLAINT_RULES = [
    ({"description": ""}, ("description",), "string_too_short", "paling sedikit 1 karakter"),
    ({"description": "x" * 2001}, ("description",), "string_too_long", "paling banyak 2000 karakter"),
    ({}, ("description",), "missing", "wajib diisi"),
    ({"description": "ok", "referral_id": "../etc"}, ("referral_id",), "identifier_invalid",
     "bukan ID yang diterbitkan SLRT"),
    ({"description": "ok", "referral_id": "r" * 65}, ("referral_id",), "string_too_long", "paling banyak 64 karakter"),
    ({"description": "ok", "urgent": True}, ("urgent",), "extra_forbidden", "kolom tidak dikenal"),
]


@pytest.mark.parametrize(("body", "loc", "type_", "msg_id"), COMPLAINT_RULES)
def test_complaint_rules(body: dict, loc: tuple, type_: str, msg_id: str) -> None:  # type: ignore[type-arg]
    [item] = error_items(refusal(ComplaintBody, body), indonesian=True)
    assert item == {"loc": list(loc), "msg": msg_id, "type": type_}
    [item] = error_items(refusal(FileComplaint, body | {"case_id": "c-1"}), indonesian=True)
    assert item == {"loc": list(loc), "msg": msg_id, "type": type_}


def test_the_complaint_command_needs_a_case_id() -> None:
    [missing] = error_items(refusal(FileComplaint, {"description": "ok"}), indonesian=False)
    assert missing == {"loc": ["case_id"], "msg": "Field required", "type": "missing"}
    [bad] = error_items(refusal(FileComplaint, {"description": "ok", "case_id": "a b"}), indonesian=False)
    assert bad == {"loc": ["case_id"], "msg": "not an identifier issued by SLRT", "type": "identifier_invalid"}
