"""The owner's inbox sorted by what is due, the answers' bodies, what each role is offered, desa by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slrt_console.domain.inbox import answer_body, reasons_for, sort_out
from slrt_console.domain.places import search_desa
from slrt_console.domain.session import SCREENS, home, may
from slrt_contracts.codes import ReasonCode, ReferralStatus
from slrt_shared.access.principal import Principal, Role

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)


def referral(status: str, due_in: timedelta | None) -> dict[str, object]:
    return {"status": status, "due_at": (NOW + due_in).isoformat() if due_in is not None else None}


def test_referrals_are_sorted_into_overdue_due_soon_new_and_in_hand() -> None:
    late, soon = referral("accepted", timedelta(hours=-1)), referral("dispatched", timedelta(days=1))
    new, held = referral("dispatched", timedelta(days=5)), referral("in_progress", None)
    assert sort_out([held, new, soon, late], NOW) == {"overdue": [late], "soon": [soon], "new": [new],
                                                      "open": [held]}


def test_an_answer_is_routing_s_body_with_empty_inputs_left_out() -> None:
    assert answer_body("accepted", "", "") == {"status": "accepted"}
    assert answer_body("rejected", "not_our_authority", "bukan wilayah kami") == {
        "status": "rejected", "reason_code": "not_our_authority", "note": "bukan wilayah kami"}
    assert ReasonCode.NOT_OUR_AUTHORITY in reasons_for(ReferralStatus.REJECTED)


def test_each_role_is_offered_its_screens_only() -> None:
    owner = Principal(sub="o", role=Role.OWNER, scope="32.01", owner="dinsos-pkh@32.01")
    operator = Principal(sub="p", role=Role.OPERATOR, scope="32.01.01.1002")
    assert home(owner) == "inbox" and not may(owner, "register") and not may(owner, "find")
    assert home(operator) == "register" and not may(operator, "inbox") and not may(operator, "supervise")
    assert set(SCREENS) == set(Role)


def test_desa_are_found_by_name_within_the_scope_only() -> None:
    found = search_desa("32.01.01", "kara")
    assert found[0] == {"code": "32.01.01.1002", "name": "Karadenan", "above": "Cibinong, Kabupaten Bogor"}
    assert all(d["code"].startswith("32.01.01.") for d in search_desa("32.01.01", "ci"))
    assert search_desa("32.01.01.1003", "kara") == []  # another desa's operator does not see Karadenan
    assert search_desa("32.01.01", "k") == []  # two letters at least
