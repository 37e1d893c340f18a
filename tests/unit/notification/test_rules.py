"""Who is told what: the rules file, its checks, and the directory of officers and supervisors."""

from __future__ import annotations

from pathlib import Path

import pytest
from slrt_contracts.codes import Level
from slrt_notification.adapters.directory import DirectoryError, load_directory, supervising_regions
from slrt_notification.adapters.rule_files import load_rules, load_templates
from slrt_notification.domain.rules import NotificationRules, RulesError
from slrt_notification.settings import DEFAULT_RULES, DEFAULT_TEMPLATES, SAMPLE_DIRECTORY

TEMPLATES = load_templates(DEFAULT_TEMPLATES)
RULES = load_rules(DEFAULT_RULES, TEMPLATES)


def test_the_shipped_rules_tell_whom_the_issue_asks_for() -> None:
    told = {t: [(n.recipient, n.template) for n in RULES.notices_for(t)] for t in RULES.events}
    assert told["id.slrt.case.registered.v1"] == [("citizen", "case_registered")]
    assert told["id.slrt.referral.dispatched.v1"] == [("citizen", "referral_dispatched"), ("officer", "new_referral")]
    assert ("citizen", "case_resolved") in told["id.slrt.case.resolved.v1"]
    assert ("citizen", "referral_rejected") in told["id.slrt.referral.rejected.v1"]
    assert told["id.slrt.case.escalated.v1"] == [("supervisor", "case_escalated")]
    assert RULES.notices_for("id.slrt.complaint.filed.v1") == ()
    assert all(n.channels == ("sms", "email") for ns in RULES.events.values() for n in ns)


def test_rules_naming_an_unknown_template_or_event_are_refused() -> None:
    with pytest.raises(RulesError, match="unknown templates: no_such"):
        NotificationRules.from_mapping({"version": "x", "events": {
            "id.slrt.case.resolved.v1": [{"recipient": "citizen", "template": "no_such"}]}}, templates=TEMPLATES.names)
    with pytest.raises(RulesError, match="not a case event"):
        NotificationRules.from_mapping({"version": "x", "events": {
            "id.slrt.case.contacts.v1": [{"recipient": "citizen", "template": "case_registered"}]}},
            templates=TEMPLATES.names)
    with pytest.raises(RulesError, match="recipient"):
        NotificationRules.from_mapping({"version": "x", "events": {
            "id.slrt.case.resolved.v1": [{"recipient": "everyone", "template": "case_resolved"}]}},
            templates=TEMPLATES.names)


def test_a_rules_file_can_narrow_channels(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("version: t\nevents:\n  id.slrt.referral.accepted.v1:\n"
                    "    - {recipient: citizen, template: referral_dispatched, channels: [sms]}\n")
    rules = load_rules(path, TEMPLATES)
    assert rules.notices_for("id.slrt.referral.accepted.v1")[0].channels == ("sms",)
    path.write_text("version: t\nevents: [\n")
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(path, TEMPLATES)


def test_supervisors_are_looked_up_from_the_level_reached_upwards() -> None:
    assert supervising_regions("32.01.01.1002", Level.KECAMATAN) == ["32.01.01", "32.01", "32", "nasional"]
    assert supervising_regions("32.01.01.1002", Level.KABUPATEN) == ["32.01", "32", "nasional"]
    assert supervising_regions("32.01.01.1002", Level.NASIONAL) == ["nasional"]
    directory = load_directory(SAMPLE_DIRECTORY)
    cibinong = directory.first_supervisor(supervising_regions("32.01.01.1002", Level.KECAMATAN))
    assert cibinong is not None and cibinong.email == "supervisor.cibinong@kec.bogorkab.example.id"
    # Semarang Utara has no kecamatan supervisor in the sample: the Manajer SLRT of Kota Semarang is told
    utara = directory.first_supervisor(supervising_regions("33.74.02.1001", Level.KECAMATAN))
    assert utara is not None and utara.email == "manajer.slrt@dinsos.semarangkota.example.id"
    assert directory.first_supervisor(supervising_regions("11.01.01.2001", Level.KECAMATAN)) is None


def test_the_sample_directory_is_marked_and_fictitious() -> None:
    text = SAMPLE_DIRECTORY.read_text()
    assert "SAMPLE DIRECTORY" in text and "NOT REAL" in text
    directory = load_directory(SAMPLE_DIRECTORY)
    for address in [*directory.owners.values(), *directory.supervisors.values()]:
        assert address.email is None or address.email.endswith(".example.id")
    assert {"32.01", "33.74", "35.07"} <= set(directory.supervisors)
    assert directory.officer("dinsos-pkh@32.01") is not None and directory.officer("slrt@35.07") is not None


@pytest.mark.parametrize("content", ["supervisors:\n  '32.01': {email: not-an-address}\n",
                                     "supervisors:\n  '32.01.01.1002': {email: a@b.example.id}\n",
                                     "owners:\n  x@32.01: {}\n", "owners: [\n"])
def test_an_invalid_directory_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "directory.yaml"
    path.write_text(content)
    with pytest.raises(DirectoryError):
        load_directory(path)
