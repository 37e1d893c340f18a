"""Intake's domain: case numbers, identity warnings, linking, the status it follows from routing, erasure."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from slrt_contracts.citizen_status import CASE_NUMBER_PATTERN, CASE_NUMBER_WRITTEN
from slrt_contracts.codes import CaseStatus, Level, Programme
from slrt_contracts.commands import CaseRegistration
from slrt_intake.domain import case as domain

from tests.unit.shared.registration_rules import VALID, with_value

S = CaseStatus


def registration(**changes: object) -> CaseRegistration:
    body = VALID
    for path, value in changes.items():
        body = with_value(body, tuple(path.split("__")), value)
    return CaseRegistration.model_validate(body)


def test_case_numbers_count_per_kabupaten_and_year() -> None:
    assert domain.case_number("32.01.01.1002", 2026, 42) == "3201-2026-000042"


@pytest.mark.parametrize("sequence", [1, 999_999, 1_000_000, 123_456_789])
def test_every_case_number_intake_writes_is_one_the_contract_and_the_other_services_accept(sequence: int) -> None:
    number = domain.case_number("31.71.01.1001", 2026, sequence)
    assert re.fullmatch(CASE_NUMBER_WRITTEN, number) and re.fullmatch(CASE_NUMBER_PATTERN, number)


def test_a_new_case_starts_at_the_channel_s_level() -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    desa = domain.register(registration(), case_id="c", number="n", citizen_ref="r", now=now)
    kabupaten = domain.register(registration(channel="slrt"), case_id="c", number="n", citizen_ref="r", now=now)
    assert (desa.level, kabupaten.level) == (Level.DESA, Level.KABUPATEN)
    assert desa.warnings == [] and desa.needs == [Programme.PKH, Programme.PBI_JK]


def test_odd_but_valid_numbers_become_warnings_without_their_values() -> None:
    moved = registration(address__region_code="32.01.02.2001")  # NIK issued in 32.01.01
    assert domain.identity_warnings(moved) == ["citizen.nik: region_mismatch"]
    old_code = registration(citizen__nik="3201995508950001", citizen__kk="3201993913200001")
    assert domain.identity_warnings(old_code) == ["citizen.nik: region_unknown", "citizen.kk: region_unknown",
                                                  "citizen.kk: recording_date"]


def test_an_open_case_with_every_need_is_linked() -> None:
    assert domain.links_to(["PKH", "PBI-JK"], [Programme.PKH])
    assert domain.links_to(["PKH"], [Programme.PKH])
    assert not domain.links_to(["PKH"], [Programme.PKH, Programme.PIP])
    assert not domain.links_to(["SEMBAKO"], [Programme.PKH])


@pytest.mark.parametrize(("current", "change", "after"), [
    (S.REGISTERED, "referral.dispatched", S.REFERRED),
    (S.REFERRED, "referral.dispatched", S.REFERRED),
    (S.REFERRED, "referral.accepted", S.IN_PROGRESS),
    (S.REFERRED, "referral.in_progress", S.IN_PROGRESS),
    (S.IN_PROGRESS, "referral.dispatched", S.IN_PROGRESS),
    (S.IN_PROGRESS, "case.resolved", S.RESOLVED),
    (S.REFERRED, "case.resolved", S.RESOLVED),
    (S.RESOLVED, "case.closed", S.CLOSED),
    (S.RESOLVED, "case.reopened", S.REFERRED),
    (S.CLOSED, "case.reopened", S.REFERRED),
    (S.IN_PROGRESS, "case.reopened", S.IN_PROGRESS),
    (S.CLOSED, "case.resolved", S.CLOSED),
    (S.RESOLVED, "referral.accepted", S.RESOLVED),
    (S.REGISTERED, "case.escalated", S.REGISTERED),
    (S.REGISTERED, "something.else", S.REGISTERED),
])
def test_status_follows_routing_forward_only(current: CaseStatus, change: str, after: CaseStatus) -> None:
    assert domain.status_after(current, change) is after


def test_only_resolved_and_closed_cases_are_not_open() -> None:
    assert domain.OPEN_STATUSES == {S.REGISTERED, S.REFERRED, S.IN_PROGRESS}


def test_erasure_keeps_what_every_service_knows_and_drops_the_rest() -> None:
    body = registration().model_dump(mode="json")
    erased = domain.erased_body(body)
    assert erased == {"address": {"region_code": "32.01.01.1002"}, "household": body["household"],
                      "ppks": [24], "needs": ["PKH", "PBI-JK"], "channel": "puskesos", "consent": True}
