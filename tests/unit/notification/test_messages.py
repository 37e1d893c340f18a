"""Messages: both languages, SMS segment limits (GSM-7 vs UCS-2), no NIK and no name in what is sent."""

from __future__ import annotations

import pytest
from slrt_notification.adapters.rule_files import load_templates
from slrt_notification.domain import sms
from slrt_notification.domain.templates import MessageTemplates, Rendered, TemplateFileError
from slrt_notification.settings import DEFAULT_TEMPLATES

TEMPLATES = load_templates(DEFAULT_TEMPLATES)
CONTEXT = {"case_number": "3201-2026-000042", "programme": "PKH", "owner_name": "Dinas Sosial (PKH)",
           "reason_code": "not_our_authority", "from_level": "desa", "to_level": "kecamatan", "level": "kabupaten",
           "escalation": "sla_expired", "region_code": "32.01.01.1002", "due": "26-11-2026 09:00 WIB", "count": 3,
           "more": 1, "numbers": "3201-2026-000042, 3201-2026-000043", "region_name": "Kabupaten Bogor",
           "date": "2026-11-23"}


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("template", sorted(TEMPLATES.names))
def test_every_template_renders_in_both_languages_with_the_case_number_within_two_segments(
        template: str, language: str) -> None:
    message = TEMPLATES.render(template, language, CONTEXT)
    assert "3201-2026-000042" in message.sms and "3201-2026-000042" in message.text
    assert ("Kabupaten Bogor" if template == "daily_digest" else "3201-2026-000042") in message.subject
    assert sms.segments(message.sms) <= 2
    assert message.html.startswith("<!doctype html>") and message.text in message.html
    assert "None" not in message.text and "{{" not in message.text


@pytest.mark.parametrize("template", sorted(TEMPLATES.names))
def test_a_channel_gets_the_forms_it_sends_as_the_whole_message_has_them(template: str) -> None:
    whole = TEMPLATES.render(template, "id", CONTEXT)
    assert TEMPLATES.render(template, "id", CONTEXT, channel="sms") == Rendered(subject="", text="", html="",
                                                                                sms=whole.sms)
    assert TEMPLATES.render(template, "id", CONTEXT, channel="email") == Rendered(
        subject=whole.subject, text=whole.text, html=whole.html, sms="")
    assert TEMPLATES.render(template, "id", CONTEXT, channel="whatsapp") == whole


def test_the_two_languages_say_it_differently() -> None:
    for name in TEMPLATES.names:
        assert TEMPLATES.render(name, "id", CONTEXT).text != TEMPLATES.render(name, "en", CONTEXT).text, name


def test_indonesian_is_the_default_and_unknown_languages_fall_back_to_it() -> None:
    assert "terdaftar dengan nomor kasus" in TEMPLATES.render("case_registered", "xx", CONTEXT).sms
    assert "registered as case" in TEMPLATES.render("case_registered", "en", CONTEXT).sms


def test_an_escalation_says_why_in_words() -> None:
    sla = TEMPLATES.render("case_escalated", "id", CONTEXT).text
    manual = TEMPLATES.render("case_escalated", "en", {**CONTEXT, "escalation": "manual"}).text
    assert "batas waktu terlewati" in sla and "by a supervisor" in manual


def test_a_sixteen_digit_number_in_any_field_is_never_sent() -> None:
    message = TEMPLATES.render("referral_dispatched", "id", {**CONTEXT, "owner_name": "NIK 3201015508950001 cocok"})
    for text in (message.sms, message.text, message.html, message.subject):
        assert "3201015508950001" not in text
    assert "cocok" in message.sms


@pytest.mark.parametrize(("language", "words"), [("id", "(bukan wewenang)"), ("en", "(not within our authority)")])
def test_a_rejection_tells_the_reason_codes_words_in_the_citizens_language(language: str, words: str) -> None:
    message = TEMPLATES.render("referral_rejected", language, CONTEXT)
    assert words in message.sms and words in message.text and words in message.html


def test_an_owners_free_text_in_a_stored_context_is_never_sent() -> None:
    stored = {**CONTEXT, "reason_code": None, "reason": "MARKER-FREE-TEXT Bu Siti pindah"}
    for language in ("id", "en"):
        message = TEMPLATES.render("referral_rejected", language, stored)
        for text in (message.sms, message.text, message.html, message.subject):
            assert "MARKER-FREE-TEXT" not in text and "()" not in text
    unknown = TEMPLATES.render("referral_rejected", "id", {**stored, "reason_code": "a_newer_code"})
    assert "MARKER-FREE-TEXT" not in unknown.sms and "a_newer_code" not in unknown.sms


def test_html_escapes_what_it_shows() -> None:
    message = TEMPLATES.render("referral_dispatched", "id", {**CONTEXT, "owner_name": "<script>x</script>"})
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html


def test_a_template_missing_a_language_is_refused() -> None:
    with pytest.raises(TemplateFileError, match="'en'"):
        MessageTemplates({"hello": {"id": {"subject": "Halo", "body": "Halo {{ case_number }}"}}}, "{{ body }}")
    with pytest.raises(TemplateFileError):
        MessageTemplates({"broken": {lang: {"subject": "x", "body": "{% if %}"} for lang in ("id", "en")}}, "")


def test_an_sms_variant_is_used_for_sms_only() -> None:
    templates = MessageTemplates({"t": {lang: {"subject": "S {{ case_number }}", "body": "long body {{ case_number }}",
                                               "sms": "short {{ case_number }}"} for lang in ("id", "en")}},
                                 "{{ body }}")
    message = templates.render("t", "id", {"case_number": "K-1"})
    assert message.sms == "short K-1" and message.text == "long body K-1"


def test_gsm7_and_ucs2_segments() -> None:
    assert sms.is_gsm7("Kasus 3201-2026-000042 selesai.")
    assert sms.segments("a" * 160) == 1 and sms.segments("a" * 161) == 2 and sms.segments("a" * 307) == 3
    assert sms.units("{}") == 4  # extended characters take two septets
    assert sms.segments("{" * 80) == 1 and sms.segments("{" * 81) == 2
    assert not sms.is_gsm7("Kasus selesai ✓")
    assert sms.segments("✓" * 70) == 1 and sms.segments("✓" * 71) == 2 and sms.segments("✓" * 135) == 3


@pytest.mark.parametrize("word", ["kata ", "kata✓ ", "{x} "])
def test_a_long_message_is_cut_to_two_segments_with_an_ellipsis(word: str) -> None:
    cut = sms.fit(word * 100)
    assert sms.segments(cut) == 2 and cut.endswith("...")
    assert sms.segments(cut + "xxx") > 2  # cut close to the limit, not far below it
    short = "SLRT: kasus 3201-2026-000042"
    assert sms.fit(short) == short


def test_a_subject_is_one_line_whatever_a_field_holds() -> None:
    message = TEMPLATES.render("referral_dispatched", "id", {**CONTEXT, "owner_name": "Dinas\r\nBcc: x@example.id"})
    assert "\n" not in message.subject and "\r" not in message.subject


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_registration_message_links_the_status_page_when_there_is_one(language: str) -> None:
    url = "https://slrt.bogorkab.go.id/status"
    linked = TEMPLATES.render("case_registered", language, {**CONTEXT, "status_url": url})
    assert url in linked.sms and url in linked.text and sms.segments(linked.sms) <= 2
    plain = TEMPLATES.render("case_registered", language, CONTEXT)
    assert "status:" not in plain.sms.lower() and "http" not in plain.sms
