"""citizen_ref: keyed, named by its key's id, and every ref of a NIK under every key; weak keys refused."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

import pytest
from slrt_shared import pseudonyms as ps

NIK = "3201015508950001"
KEY_A = "a" * 8 + secrets.token_urlsafe(32)
KEY_B = "b" * 8 + secrets.token_urlsafe(32)


def test_a_ref_is_stable_keyed_named_by_its_key_and_not_the_nik() -> None:
    a = ps.pseudonyms(key=KEY_A, key_id="1")
    ref = a.citizen_ref(NIK)
    assert ref == ps.pseudonyms(key=KEY_A, key_id="1").citizen_ref(NIK)
    assert ref != ps.pseudonyms(key=KEY_B, key_id="1").citizen_ref(NIK)
    assert ref != a.citizen_ref("3201015508950002")
    assert ref.startswith("cit_1_") and len(ref) == len("cit_1_") + 32 and NIK not in ref
    assert ps.key_id_of(ref) == "1"


def test_every_ref_fits_the_forty_characters_stored_refs_have() -> None:
    assert len(ps.pseudonyms(key=KEY_A, key_id="k99").citizen_ref(NIK)) <= 40


def test_all_refs_holds_the_current_key_s_previous_keys_and_refs_from_before_key_ids() -> None:
    before = ps.pseudonyms(key=KEY_A, key_id="1")
    after = ps.pseudonyms(key=KEY_B, key_id="2", previous=f"1:{KEY_A}")
    refs = after.all_refs(NIK)
    assert refs[0] == after.citizen_ref(NIK) and ps.key_id_of(refs[0]) == "2"
    assert before.citizen_ref(NIK) in refs
    legacy = "cit_" + ps.PseudonymKey("x", KEY_A).mac(NIK)  # what a ref looked like before key ids
    assert legacy in refs and ps.key_id_of(legacy) is None
    assert len(set(refs)) == 4
    assert not set(refs) & set(after.all_refs("3201015508950002"))


@pytest.mark.parametrize(("key", "reason"), [
    (None, "is not set"),
    ("", "is not set"),
    ("slrt-development-pseudonym-key", "published"),
    ("change-me-to-a-long-random-secret", "published"),
    ("short-but-random-Xq9", "too weak"),
    ("ab" * 40, "too weak"),
])
def test_a_missing_public_or_weak_key_is_refused_naming_the_variable_and_the_remedy(
    key: str | None, reason: str
) -> None:
    with pytest.raises(ps.PseudonymKeyError) as refused:
        ps.pseudonyms(key=key, key_id="1")
    message = str(refused.value)
    assert message.startswith("SLRT_PSEUDONYM_KEY ") and reason in message and "\n" not in message
    assert "secrets.token_urlsafe(32)" in message


def test_a_random_key_of_the_recommended_recipe_is_accepted() -> None:
    for _ in range(50):
        ps.pseudonyms(key=secrets.token_urlsafe(32), key_id="1")
        ps.pseudonyms(key=secrets.token_hex(16), key_id="1")


@pytest.mark.parametrize(("key_id", "previous", "variable"), [
    ("", None, "SLRT_PSEUDONYM_KEY_ID"),
    ("four", None, "SLRT_PSEUDONYM_KEY_ID"),
    ("K1", None, "SLRT_PSEUDONYM_KEY_ID"),
    ("2", "no-colon-here", "SLRT_PSEUDONYM_PREVIOUS_KEYS entry 1"),
    ("2", f"1:{KEY_A},:x", "SLRT_PSEUDONYM_PREVIOUS_KEYS entry 2"),
    ("2", f"2:{KEY_A}", "SLRT_PSEUDONYM_PREVIOUS_KEYS entry 1 repeats"),
    ("2", f"1:{KEY_B}", "SLRT_PSEUDONYM_PREVIOUS_KEYS entry 1 repeats"),
    ("2", f"1:{KEY_A},1:other", "SLRT_PSEUDONYM_PREVIOUS_KEYS entry 2 repeats"),
])
def test_key_ids_and_previous_keys_are_checked(key_id: str, previous: str | None, variable: str) -> None:
    with pytest.raises(ps.PseudonymKeyError) as refused:
        ps.pseudonyms(key=KEY_B, key_id=key_id, previous=previous)
    assert str(refused.value).startswith(variable)
    assert KEY_A not in str(refused.value) and KEY_B not in str(refused.value)


def test_a_previous_key_may_be_a_retired_weak_one_so_its_refs_are_still_found() -> None:
    keys = ps.pseudonyms(key=KEY_B, key_id="2", previous="0:slrt-development-pseudonym-key")
    assert "cit_0_" + ps.PseudonymKey("0", "slrt-development-pseudonym-key").mac(NIK) in keys.all_refs(NIK)


def test_the_keys_do_not_show_in_their_repr() -> None:
    keys = ps.pseudonyms(key=KEY_B, key_id="2", previous=f"1:{KEY_A}")
    assert KEY_A not in repr(keys) and KEY_B not in repr(keys)


def test_the_development_key_is_made_once_random_and_private(tmp_path: Path) -> None:
    key = ps.dev_key(tmp_path / "var")
    assert ps.weakness(key) is None
    assert ps.dev_key(tmp_path / "var") == key
    assert ps.dev_key(tmp_path / "other") != key
    assert stat.S_IMODE((tmp_path / "var" / ps.DEV_KEY_FILE).stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "var").iterdir()] == [ps.DEV_KEY_FILE]
