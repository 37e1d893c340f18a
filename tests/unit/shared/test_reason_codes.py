"""Reason codes of owners' answers: every code has words in both languages, and nothing else has words."""

from __future__ import annotations

import pytest
from slrt_contracts.codes import REASON_FOR, REASON_WORDS, ReasonCode, ReferralStatus, reason_words


def test_every_code_has_indonesian_and_english_words_and_the_answers_it_is_meant_for() -> None:
    assert set(REASON_WORDS) == set(ReasonCode) == set(REASON_FOR)
    for code, words in REASON_WORDS.items():
        assert set(words) == {"id", "en"} and all(w.strip() == w and w for w in words.values()), code
    assert len({w["id"] for w in REASON_WORDS.values()}) == len(ReasonCode)
    assert len({w["en"] for w in REASON_WORDS.values()}) == len(ReasonCode)


def test_every_answer_has_codes_and_other_fits_them_all() -> None:
    answers = {ReferralStatus.ACCEPTED, ReferralStatus.REJECTED, ReferralStatus.IN_PROGRESS, ReferralStatus.RESOLVED}
    assert {status for statuses in REASON_FOR.values() for status in statuses} == answers
    assert set(REASON_FOR[ReasonCode.OTHER]) == answers


@pytest.mark.parametrize(("language", "words"), [("id", "bukan wewenang"), ("en", "not within our authority"),
                                                 ("xx", "bukan wewenang")])
def test_the_words_of_a_code_in_a_language(language: str, words: str) -> None:
    assert reason_words("not_our_authority", language) == words
    assert reason_words(ReasonCode.NOT_OUR_AUTHORITY, language) == words


def test_no_code_or_an_unknown_one_has_no_words() -> None:
    assert reason_words(None) is None
    assert reason_words("tidak ada di daftar") is None


def test_the_contract_document_lists_every_code_with_its_words() -> None:
    from pathlib import Path

    contract = (Path(__file__).parents[3] / "docs" / "CONTRACT.md").read_text(encoding="utf-8")
    for code, words in REASON_WORDS.items():
        assert f"| `{code.value}` | {words['id']} | {words['en']} |" in contract, code
