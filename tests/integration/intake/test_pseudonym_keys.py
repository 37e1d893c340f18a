"""The pseudonym key: intake does not start without a strong one, and rotating it keeps a citizen's cases
together (docs/PSEUDONYMS.md)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from slrt.dev import pseudonym_env
from slrt.settings import CliSettings
from slrt_intake.adapters import tables as t
from slrt_intake.app import build_app
from slrt_intake.settings import IntakeSettings
from slrt_shared import db
from slrt_shared.pseudonyms import PseudonymKeyError, key_id_of

from tests.integration.intake.conftest import intake_settings
from tests.support.apps import running
from tests.support.ports import closed_address
from tests.unit.shared.registration_rules import VALID, with_value

NIK = VALID["citizen"]["nik"]
KEY_A, KEY_B = secrets.token_urlsafe(32), secrets.token_urlsafe(32)


async def stored_refs(database_url: str) -> dict[str, str]:
    """case_id -> citizen_ref, in the database and on the case.registered events waiting in the outbox."""
    engine = db.create_engine(database_url)
    try:
        async with engine.connect() as conn:
            cases = dict((await conn.execute(sa.select(t.cases.c.case_id, t.cases.c.citizen_ref))).all())
            values = (await conn.execute(sa.select(t.outbox.c.value).where(
                t.outbox.c.topic.like("%slrt.case.events")))).scalars().all()
    finally:
        await engine.dispose()
    events = [json.loads(v) for v in values]
    assert {e["case_id"]: e["citizen_ref"] for e in events if "citizen_ref" in e} == cases
    return cases


async def test_after_a_rotation_a_second_case_of_the_same_nik_and_need_links_to_the_first(
    database_url: str, topic_prefix: str
) -> None:
    before = intake_settings(database_url, closed_address(), topic_prefix, pseudonym_key=KEY_A, pseudonym_key_id="a")
    async with running(build_app(before)) as client:
        first = (await client.post("/v1/cases", json=VALID)).json()
    assert first["linked"] is False

    after = intake_settings(database_url, closed_address(), topic_prefix, pseudonym_key=KEY_B, pseudonym_key_id="b",
                            pseudonym_previous_keys=f"a:{KEY_A}")
    async with running(build_app(after)) as client:
        again = await client.post("/v1/cases", json=VALID)
        other_need = await client.post("/v1/cases", json=with_value(VALID, ("needs",), ["RUTILAHU"]))
        listed = (await client.get(f"/v1/citizens/{NIK}/cases")).json()["items"]
    assert again.status_code == 200 and again.json()["linked"] is True
    assert again.json()["case_id"] == first["case_id"]
    assert other_need.status_code == 201 and other_need.json()["linked"] is False
    second = other_need.json()["case_id"]
    assert [item["case_id"] for item in listed] == [second, first["case_id"]]

    refs = await stored_refs(database_url)
    assert key_id_of(refs[first["case_id"]]) == "a" and key_id_of(refs[second]) == "b"
    assert set(refs.values()) <= set(after.pseudonyms().all_refs(NIK))  # the citizen's refs under every key
    assert not set(refs.values()) & set(after.pseudonyms().all_refs("3201015508950002"))


async def test_no_app_is_built_without_a_usable_key(tmp_path: Path) -> None:
    for key in (None, "slrt-development-pseudonym-key", "too-short"):
        settings = IntakeSettings(intake_database_url=f"sqlite+aiosqlite:///{tmp_path / 'i.db'}",
                                  kafka_bootstrap=closed_address(), pseudonym_key=key)
        with pytest.raises(PseudonymKeyError, match="SLRT_PSEUDONYM_KEY"):
            build_app(settings)


@pytest.mark.parametrize("key", [None, "slrt-development-pseudonym-key"])  # every reason: test_pseudonyms.py
def test_slrt_serve_intake_refuses_to_start_without_a_strong_key(tmp_path: Path, key: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLRT_PSEUDONYM_")}
    env |= {"SLRT_KAFKA_BOOTSTRAP": closed_address(), "SLRT_VAR_DIR": str(tmp_path / "var"),
            "SLRT_INTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"}
    if key is not None:
        env["SLRT_PSEUDONYM_KEY"] = key
    run = subprocess.run([sys.executable, "-m", "slrt.cli", "serve", "intake"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    message = run.stderr.strip()
    assert message.startswith("slrt serve intake: SLRT_PSEUDONYM_KEY ") and "\n" not in message
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in message
    assert not (tmp_path / "i.db").exists()  # refused before anything started
    if key is not None:
        assert key not in message


def test_slrt_dev_gives_intake_a_random_key_of_its_folder(tmp_path: Path) -> None:
    env = pseudonym_env(CliSettings(var_dir=tmp_path / "var", pseudonym_key=None), tmp_path / "var")
    assert env == pseudonym_env(CliSettings(var_dir=tmp_path / "var", pseudonym_key=None), tmp_path / "var")
    assert env != pseudonym_env(CliSettings(var_dir=tmp_path / "other", pseudonym_key=None), tmp_path / "other")
    settings = IntakeSettings(pseudonym_key=env["SLRT_PSEUDONYM_KEY"], pseudonym_key_id=env["SLRT_PSEUDONYM_KEY_ID"])
    assert key_id_of(settings.pseudonyms().citizen_ref(NIK)) == "dev"
    assert pseudonym_env(CliSettings(var_dir=tmp_path / "var", pseudonym_key=KEY_A), tmp_path / "var") == {}
