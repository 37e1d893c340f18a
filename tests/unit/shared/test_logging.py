"""Personal data never reaches a log line: NIK/KK-like numbers, phone numbers and e-mail addresses are masked
wherever they appear, fields named like personal data are dropped, and ordinary text is left alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from slrt_shared.logging import mask_personal_data, mask_text

NIKS = st.from_regex(r"\A[1-9]\d{15}\Z", fullmatch=True)
PHONES = st.builds(lambda prefix, rest: prefix + "8" + rest, st.sampled_from(["0", "62", "+62"]),
                   st.from_regex(r"\A\d{7,11}\Z", fullmatch=True))
EMAILS = st.from_regex(r"\A[a-z][a-z0-9._]{0,10}@[a-z]{1,8}\.(id|com|go\.id)\Z", fullmatch=True)
PLAIN = st.text(alphabet=st.characters(blacklist_categories=("Nd", "Cs"), blacklist_characters="@+._%-"),
                max_size=20)


def test_each_kind_is_masked_where_it_appears() -> None:
    text = "NIK 3201015508950001, hp 081234567890 / +6281234567890, surel siti.aminah@example.id."
    assert mask_text(text) == "NIK [NIK], hp [PHONE] / [PHONE], surel [EMAIL]."


def test_codes_and_ids_are_left_alone() -> None:
    for text in ("3201-2026-000042", "32.01.01.1002", "dinsos-pkh@32.01", "slrt@32.01", "PBI-JK", "12345678",
                 "bukan wewenang", ""):
        assert mask_text(text) == text


def test_a_uuid_that_looks_like_a_phone_number_in_part_is_an_id() -> None:
    """Found by ``slrt chaos``: reporting kept the case ``...-b301-086164752a7c`` as ``...-b301-[PHONE]a7c``."""
    for case_id in ("d615b58d-19de-405e-b301-086164752a7c", "d615b58d-19de-405e-b301-081234567890"):
        assert mask_text(case_id) == case_id
        assert mask_text(f"kasus {case_id}, hp 081234567890") == f"kasus {case_id}, hp [PHONE]"
    assert mask_text("081234567890-19de") == "[PHONE]-19de"


def test_a_request_id_holding_sixteen_digits_is_an_id() -> None:
    """Found by the suite: a request id ``4b820c3201234567890123c9b6556ec1`` was logged as ``4b820c[NIK]c9b6556ec1``."""
    request_id = "4b820c3201234567890123c9b6556ec1"
    assert mask_text(request_id) == request_id
    assert mask_text(f'{{"request_id": "{request_id}", "nik": 3201234567890123}}') == \
        f'{{"request_id": "{request_id}", "nik": [NIK]}}'
    assert mask_text("ab 3201234567890123 cd") == "ab [NIK] cd"  # sixteen digits alone are no id
    assert mask_text("4b820c3201234567890123c9b6556ec1ff") == "4b820c[NIK]c9b6556ec1ff"  # nor 34 hex digits


@given(st.lists(st.one_of(NIKS, PHONES, EMAILS), min_size=1, max_size=4), st.lists(PLAIN, min_size=5, max_size=5))
def test_nothing_personal_survives_whatever_surrounds_it(secrets: list[str], fillers: list[str]) -> None:
    text = "".join(f" {filler} {secret} " for filler, secret in zip(fillers, secrets, strict=False))
    masked = mask_text(text)
    for secret in secrets:
        assert secret not in masked


def test_fields_named_like_personal_data_are_dropped() -> None:
    line = mask_personal_data(None, "info", {"event": "sent", "phone": "081234567890", "nik": "x",
                                             "detail": {"email": "a@b.id", "note": "ke 081234567890"}})
    assert line == {"event": "sent", "phone": "[redacted]", "nik": "[redacted]",
                    "detail": {"email": "[redacted]", "note": "ke [PHONE]"}}
