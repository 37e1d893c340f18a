"""Kemendagri region codes: dotted or not, every level, the 83,762 desa (properties with hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slrt_contracts import regions
from slrt_contracts.codes import Level

DESA = regions.all_desa_codes()


def test_there_are_83762_desa_and_kelurahan() -> None:
    assert len(DESA) == 83762


@given(st.sampled_from(DESA))
def test_every_desa_is_found_dotted_and_undotted(code: str) -> None:
    dotted = regions.find_desa(code)
    undotted = regions.find_desa(code.replace(".", ""))
    assert dotted is not None and dotted == undotted
    assert dotted.code == code
    assert (dotted.kecamatan_code, dotted.kabupaten_code, dotted.provinsi_code) == (code[:8], code[:5], code[:2])
    assert dotted.name and dotted.kecamatan and dotted.kabupaten and dotted.provinsi


@given(st.sampled_from(DESA))
def test_normalise_is_idempotent_and_keeps_the_digits(code: str) -> None:
    undotted = code.replace(".", "")
    assert regions.normalise(undotted) == code == regions.normalise(code)
    assert [regions.level_of(a) for a in regions.ancestors(code)] == \
        [Level.PROVINSI, Level.KABUPATEN, Level.KECAMATAN, Level.DESA]


@given(st.sampled_from(DESA))
def test_codes_above_desa_are_not_desa(code: str) -> None:
    for ancestor in regions.ancestors(code)[:-1]:
        assert regions.find_desa(ancestor) is None
        assert regions.find_desa(ancestor.replace(".", "")) is None


@given(st.sampled_from(DESA), st.integers(0, 9))
def test_a_digit_more_or_less_is_not_a_desa(code: str, digit: int) -> None:
    assert regions.find_desa(code + str(digit)) is None
    assert regions.find_desa(code[:-1]) is None


@given(st.text(max_size=20))
def test_any_text_either_is_a_desa_code_or_is_refused(text: str) -> None:
    desa = regions.find_desa(text)
    if desa is not None:
        assert desa.code in set(DESA)


KNOWN = set(DESA)


@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_a_ten_digit_number_is_a_desa_only_when_kemendagri_lists_it(digits: str) -> None:
    dotted = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
    assert (regions.find_desa(digits) is not None) == (dotted in KNOWN)


@pytest.mark.parametrize("bad", ["", "3", "32.1", "32.01.01.100", "32..01", "32-01-01-1002", "32.01.01.1002.1",
                                 "３２.01", " . "])
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(regions.RegionCodeError):
        regions.normalise(bad)
    assert regions.find_desa(bad) is None


def test_containment_and_time_zones() -> None:
    assert regions.contains("32.01", "32.01.01.1002") and not regions.contains("32.1", "32.10.01.1001")
    assert regions.contains("nasional", "91.03.01.2001")
    assert regions.time_zone_of("32.01.01.1002").key == "Asia/Jakarta"
    assert regions.time_zone_of("53.71.01.1001").key == "Asia/Makassar"
    assert regions.time_zone_of("91.03").key == "Asia/Jayapura"
