"""What reporting forgets of an erased case: free text, and the pseudonym; codes and facts stay."""

from __future__ import annotations

from slrt_reporting.domain.erasure import forgotten_entry, forgotten_event


def test_free_text_goes_and_codes_stay() -> None:
    answer = {"referral_id": "r1", "status": "rejected", "reason": "Ibu Wulan sakit", "note": "rumah kosong",
              "reason_code": "citizen_unreachable"}
    assert forgotten_entry("referral.rejected", answer) == {"referral_id": "r1", "status": "rejected",
                                                            "reason_code": "citizen_unreachable"}
    escalated = {"from_level": "desa", "to_level": "kecamatan", "reason": "manual", "note": "kades lalai"}
    assert forgotten_entry("case.escalated", escalated) == {"from_level": "desa", "to_level": "kecamatan",
                                                            "reason": "manual"}
    assert forgotten_entry("case.erased", {"reason": "citizen_request"}) == {"reason": "citizen_request"}


def test_the_logged_registration_keeps_its_shape_without_the_pseudonym() -> None:
    registered = {"case_id": "c1", "citizen_ref": "cit_0123", "needs": ["PKH"]}
    assert forgotten_event("case.registered", registered) == {"case_id": "c1", "citizen_ref": "", "needs": ["PKH"]}
    assert forgotten_event("referral.resolved", {"case_id": "c1", "reason": "x"}) == {"case_id": "c1"}
