"""NIK and KK structure: examples for each rule, and properties over generated numbers (hypothesis)."""

from __future__ import annotations

from datetime import date

import lokal
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from slrt_contracts import identity
from slrt_contracts.commands import CaseRegistration
from slrt_contracts.regions import all_desa_codes

from tests.unit.shared.registration_rules import VALID, with_value

TODAY = date(2026, 11, 22)
KECAMATAN = sorted({code[:8].replace(".", "") for code in all_desa_codes()})
PROVINCES = sorted(lokal.PROVINCES)


@st.composite
def niks(draw: st.DrawFn) -> tuple[str, date, bool]:
    """A NIK as Dukcapil issues it: a kecamatan of today, a real birth date (women DD+40), serial 0001-9999."""
    kecamatan = draw(st.sampled_from(KECAMATAN))
    born = draw(st.dates(min_value=date(TODAY.year - 99, 1, 1), max_value=TODAY))
    female = draw(st.booleans())
    serial = draw(st.integers(1, 9999))
    day = born.day + (40 if female else 0)
    return f"{kecamatan}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}", born, female


@given(niks())
def test_every_well_formed_nik_is_accepted(drawn: tuple[str, date, bool]) -> None:
    nik, born, _ = drawn
    parsed = identity.parse_nik(nik, today=TODAY)
    assert parsed.errors == [] and parsed.warnings == []
    assert parsed.birth_date is not None
    assert (parsed.birth_date.day, parsed.birth_date.month, parsed.birth_date.year % 100) == \
        (born.day, born.month, born.year % 100)
    assert parsed.birth_date <= TODAY
    assert parsed.kecamatan_code == f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}"


@given(niks())
def test_a_well_formed_nik_passes_the_registration_body(drawn: tuple[str, date, bool]) -> None:
    reg = CaseRegistration.model_validate(with_value(VALID, ("citizen", "nik"), drawn[0]))
    assert reg.citizen.nik == drawn[0]


def _refused_as(nik: str) -> str:
    """The error type the registration body gives for this NIK, checking that only citizen.nik is named."""
    with pytest.raises(ValidationError) as caught:
        CaseRegistration.model_validate(with_value(VALID, ("citizen", "nik"), nik))
    [error] = caught.value.errors()
    assert tuple(error["loc"]) == ("citizen", "nik")
    return str(error["type"])


@given(niks(), st.data())
def test_any_change_of_length_is_refused(drawn: tuple[str, date, bool], data: st.DataObject) -> None:
    nik = drawn[0]
    cut = data.draw(st.integers(1, 15))
    extra = data.draw(st.text(alphabet="0123456789", min_size=1, max_size=10))
    assert _refused_as(nik[:cut]) == "nik_format"
    assert _refused_as(nik + extra) == "nik_format"


@given(niks(), st.integers(0, 15), st.characters(blacklist_categories=("Nd", "Cs", "Zs", "Cc")))
def test_any_non_digit_is_refused(drawn: tuple[str, date, bool], at: int, char: str) -> None:
    nik = drawn[0]
    assert _refused_as(nik[:at] + char + nik[at + 1:]) == "nik_format"


@given(niks(), st.sampled_from(["٣", "３", "३"]))
def test_digits_of_other_scripts_are_refused(drawn: tuple[str, date, bool], digit: str) -> None:
    assert _refused_as(digit + drawn[0][1:]) == "nik_format"


@given(niks())
def test_serial_0000_is_refused(drawn: tuple[str, date, bool]) -> None:
    assert _refused_as(drawn[0][:12] + "0000") == "nik_serial"


@given(niks(), st.sampled_from([0, *range(32, 41), *range(72, 100)]))
def test_a_day_that_is_no_one_s_birthday_is_refused(drawn: tuple[str, date, bool], day: int) -> None:
    nik = drawn[0]
    assert _refused_as(f"{nik[:6]}{day:02d}{nik[8:]}") == "nik_birth_date"


@given(niks(), st.sampled_from([0, *range(13, 100)]))
def test_a_month_that_does_not_exist_is_refused(drawn: tuple[str, date, bool], month: int) -> None:
    nik = drawn[0]
    assert _refused_as(f"{nik[:8]}{month:02d}{nik[10:]}") == "nik_birth_date"


@given(niks(), st.sampled_from([f"{n:02d}" for n in range(100) if f"{n:02d}" not in lokal.PROVINCES]))
def test_an_unknown_province_is_refused(drawn: tuple[str, date, bool], province: str) -> None:
    assert _refused_as(province + drawn[0][2:]) == "nik_province"


@given(niks(), st.sampled_from(["00", "70"]))
def test_an_impossible_kabupaten_is_refused(drawn: tuple[str, date, bool], kabupaten: str) -> None:
    nik = drawn[0]
    assert _refused_as(nik[:2] + kabupaten + nik[4:]) == "nik_kabupaten"


def test_women_add_40_to_the_day() -> None:
    assert identity.parse_nik("3201015508950001", today=TODAY).birth_date == date(1995, 8, 15)
    assert identity.parse_nik("3201011508950001", today=TODAY).birth_date == date(1995, 8, 15)


def test_the_century_never_puts_a_birth_in_the_future() -> None:
    assert identity.parse_nik("3201010101260001", today=TODAY).birth_date == date(2026, 1, 1)
    assert identity.parse_nik("3201013012260001", today=TODAY).birth_date == date(1926, 12, 30)
    assert identity.parse_nik("3201012902000001", today=TODAY).birth_date == date(2000, 2, 29)


def test_29_february_of_a_year_without_one_is_refused() -> None:
    assert [e.code for e in identity.parse_nik("3201012902250001", today=TODAY).errors] == ["birth_date"]


def test_a_kecamatan_unknown_today_is_a_warning_not_a_refusal() -> None:
    parsed = identity.parse_nik("3201995508950001", today=TODAY)  # Kab. Bogor has no kecamatan 99
    assert parsed.errors == [] and [w.code for w in parsed.warnings] == ["region_unknown"]


def test_an_address_in_another_kecamatan_is_a_warning() -> None:
    parsed = identity.parse_nik("3201015508950001", address_region="32.01.02.2001", today=TODAY)
    assert parsed.errors == [] and [w.code for w in parsed.warnings] == ["region_mismatch"]
    same = identity.parse_nik("3201015508950001", address_region="32.01.01.1002", today=TODAY)
    assert same.warnings == []


def test_kk_rules() -> None:
    assert identity.parse_kk("3201010101200001").valid
    assert [e.code for e in identity.parse_kk("3201010101200000").errors] == ["serial"]
    assert [e.code for e in identity.parse_kk("320101010120000").errors] == ["format"]
    assert [e.code for e in identity.parse_kk("0001010101200001").errors] == ["province"]
    assert [e.code for e in identity.parse_kk("3270010101200001").errors] == ["kabupaten"]
    odd_date = identity.parse_kk("3201013913200001")
    assert odd_date.valid and [w.code for w in odd_date.warnings] == ["recording_date"]
    assert identity.kk_problems("3201010101200000")[0].code == "serial"


@given(st.sampled_from(KECAMATAN), st.dates(min_value=date(1990, 1, 1), max_value=TODAY), st.integers(1, 9999))
def test_every_well_formed_kk_is_accepted(kecamatan: str, recorded: date, serial: int) -> None:
    kk = f"{kecamatan}{recorded:%d%m%y}{serial:04d}"
    parsed = identity.parse_kk(kk)
    assert parsed.errors == [] and parsed.warnings == []


def test_messages_never_hold_the_number() -> None:
    for nik in ("3201019999950000", "9901015508950001", "12345"):
        for problem in identity.parse_nik(nik, today=TODAY).errors:
            assert nik not in problem.message_en and nik not in problem.message_id

