"""The rule book: validated at start-up, routes a need to the owner with authority in the citizen's region."""

from pathlib import Path

import pytest
import yaml
from slrt_contracts.codes import DtsenStatus, Level, Programme
from slrt_routing.domain.rules import RoutableCase, RulesError, load_rule_book
from slrt_routing.settings import DEFAULT_RULES

BOOK = load_rule_book(DEFAULT_RULES)
CASE = RoutableCase(region_code="32.01.01.1002", ppks=(24,), dtsen_status=DtsenStatus.REGISTERED)


def test_every_programme_has_an_owner_and_the_ladder_is_complete() -> None:
    for programme in Programme:
        assert BOOK.programmes[programme]
    assert BOOK.sla_working_days == {Level.DESA: 3, Level.KECAMATAN: 5, Level.KABUPATEN: 14}


def test_owner_ids_carry_the_region_at_the_owner_level() -> None:
    assert BOOK.route(Programme.PKH, CASE).owner_id == "dinsos-pkh@32.01"
    assert BOOK.route(Programme.BLT_DD, CASE).owner_id == "pemdes@32.01.01.1002"
    assert BOOK.route(Programme.BANTUAN_BERAS, CASE).owner_id == "bulog@32"


def test_conditions_on_ppks_and_dtsen() -> None:
    assert BOOK.route(Programme.ATENSI, CASE).owner_id == "sentra-atensi@32"  # PPKS 24 is not for the dinas
    elderly = RoutableCase("32.01.01.1002", (8,), DtsenStatus.REGISTERED)
    assert BOOK.route(Programme.ATENSI, elderly).owner_id == "dinsos-rehsos@32.01"
    outside = RoutableCase("32.01.01.1002", (), DtsenStatus.NOT_REGISTERED)
    assert BOOK.route(Programme.DTSEN, outside).owner_id == "dinsos-dtsen@32.01"
    assert BOOK.route(Programme.DTSEN, CASE).owner_id == "dinsos-dtsen-update@32.01"


def test_a_rejection_moves_to_the_next_owner_then_none() -> None:
    first = BOOK.route(Programme.PKH, CASE)
    second = BOOK.route(Programme.PKH, CASE, excluding=[first.owner_id])
    assert second.owner_id == "kemensos-pkh@nasional"
    assert BOOK.route(Programme.PKH, CASE, excluding=[first.owner_id, second.owner_id]) is None


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_an_invalid_file_is_refused_naming_the_entry(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    data["programmes"]["PKH"][0]["level"] = "galaxy"
    with pytest.raises(RulesError, match=r"programmes\.PKH\.0\.level"):
        load_rule_book(_write(tmp_path, data))


def test_a_missing_programme_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    del data["programmes"]["PIP"]
    with pytest.raises(RulesError, match="PIP"):
        load_rule_book(_write(tmp_path, data))


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("version: [unclosed")
    with pytest.raises(RulesError, match="cannot read"):
        load_rule_book(path)
