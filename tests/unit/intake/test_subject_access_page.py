"""The printable subject access page: escaped, self-contained, its style admitted by hash."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime

from slrt_intake.entrypoints.rights import wants_html
from slrt_intake.entrypoints.subject_access_page import PAGE_POLICY, STYLE, render
from slrt_intake.service_layer.subject_access import empty_answer

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _answer() -> dict:  # type: ignore[type-arg]
    answer = empty_answer(datetime(2026, 3, 2, 8, 15, tzinfo=UTC))
    region = {level: {"code": "32.01.01.1002", "name": HOSTILE} for level in ("desa", "kecamatan", "kabupaten",
                                                                               "provinsi")}
    answer["cases"] = [{
        "case_id": "c-1", "case_number": "3201-2026-000042", "status": "registered", "registered_at": "2026-03-02",
        "region_code": "32.01.01.1002", "region": region, "channel": "puskesos", "needs": ["PKH"], "ppks": [24],
        "citizen": {"nik": "3201015508950001", "kk": None, "name": HOSTILE, "phone": None, "email": None,
                    "language": "id"},
        "address": {"street": HOSTILE, "rt": "003"}, "household": {"desil": 2}, "description": HOSTILE,
        "consent": True, "citizen_ref": "cr", "erased_at": None,
        "contacts": {"value": {"name": HOSTILE}}, "complaints": [{"filed_at": "t", "referral_id": None,
                                                                  "description": HOSTILE}],
        "referral_owners": [], "audit": [{"at": "t", "action": "case_viewed", "actor": HOSTILE, "detail": None}],
    }]
    return answer


def test_every_value_is_escaped_and_nothing_is_fetched() -> None:
    page = render(_answer())
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert not re.search(r"<[^>]*\b(?:src|href)\s*=|url\(|@import", page)
    assert page.count("<style>") == 1 and "@media print" in page and 'lang="id"' in page


def test_the_policy_admits_exactly_the_page_s_style() -> None:
    digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in PAGE_POLICY and PAGE_POLICY.startswith("default-src 'none';")
    assert f"<style>{STYLE}</style>" in render(_answer())


def test_an_empty_answer_says_so_in_bahasa_indonesia_and_english() -> None:
    page = render(empty_answer(datetime(2026, 3, 2, tzinfo=UTC)))
    assert "Tidak ada kasus untuk NIK ini" in page and "No case of this NIK" in page


def test_the_page_is_answered_when_accept_prefers_html() -> None:
    assert wants_html("text/html") and wants_html("text/html,application/xhtml+xml,*/*;q=0.8")
    assert wants_html("application/json;q=0.5, text/html")
    assert not wants_html("") and not wants_html("*/*") and not wants_html("application/json")
    assert not wants_html("text/html;q=0.2, application/json") and not wants_html("text/html;q=0")
    assert not wants_html("text/html;q=x")
