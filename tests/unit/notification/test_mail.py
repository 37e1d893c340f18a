"""An e-mail's bytes, read back with the standard library's parser as a mail client reads them."""

from __future__ import annotations

import email
import email.policy

import pytest
from slrt_notification.adapters.mail import UnsafeHeader, mail_bytes
from slrt_notification.domain.templates import Rendered

MESSAGE = Rendered(subject="Kasus SLRT-3201-2026-000123 dirujuk", text="Halo Bu Siti,\nKasus Anda dirujuk ke PKH.",
                   html="<p>Halo Bu Siti,</p>\n<p>Kasus Anda dirujuk ke PKH.</p>", sms="unused")


def read(raw: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def bodies(message: email.message.EmailMessage) -> list[tuple[str, str | None, str]]:
    return [(part.get_content_type(), part.get_content_charset(), part.get_content().replace("\r\n", "\n"))
            for part in message.iter_parts()]


def test_a_mail_reads_back_as_plain_text_then_html_in_utf8() -> None:
    raw = mail_bytes(sender="SLRT <slrt@example.id>", to="warga@example.id", message=MESSAGE, idempotency_key="n-1")
    message = read(raw)
    assert message.defects == []
    assert (message["From"], message["To"], message["Subject"]) == (
        "SLRT <slrt@example.id>", "warga@example.id", MESSAGE.subject)
    assert message["Message-ID"] == "<n-1@slrt.notification>"
    assert message["MIME-Version"] == "1.0" and message["Date"].datetime is not None
    assert message.get_content_type() == "multipart/alternative"
    assert bodies(message) == [("text/plain", "utf-8", MESSAGE.text), ("text/html", "utf-8", MESSAGE.html)]
    assert all(line.endswith(b"\r") or not line for line in raw.split(b"\n")[:-1])  # CRLF throughout


def test_words_beyond_ascii_and_long_lines_are_encoded_and_read_back_whole() -> None:
    long_subject = "Rujukan Anda — " + "Dinas Sosial Kabupaten " * 6
    text = "Terima kasih = 100 % ü é\n" + "x" * 300 + "\n.\n.leading dot"
    rendered = Rendered(subject=long_subject, text=text, html="<p>é</p>", sms="")
    raw = mail_bytes(sender="slrt@example.id", to="warga@example.id", message=rendered, idempotency_key="n-2")
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 78
    message = read(raw)
    assert message["Subject"] == " ".join(long_subject.split())
    assert bodies(message)[0] == ("text/plain", "utf-8", text)


def test_a_long_ascii_subject_is_folded_and_reads_back_whole() -> None:
    subject = "Case " + " ".join(["referred"] * 20)
    raw = mail_bytes(sender="slrt@example.id", to="warga@example.id",
                     message=Rendered(subject=subject, text="t", html="h", sms=""), idempotency_key="n-3")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert read(raw)["Subject"] == subject


def test_each_mail_has_a_boundary_of_its_own_and_one_message_id_per_notification() -> None:
    one, two = (read(mail_bytes(sender="s@example.id", to="t@example.id", message=MESSAGE, idempotency_key="n-4"))
                for _ in range(2))
    assert one.get_boundary() != two.get_boundary()
    assert one["Message-ID"] == two["Message-ID"]


@pytest.mark.parametrize("field", ["sender", "to", "idempotency_key"])
def test_a_line_break_in_a_header_value_is_refused(field: str) -> None:
    values = {"sender": "s@example.id", "to": "t@example.id", "idempotency_key": "n-5"}
    values[field] = values[field] + "\r\nBcc: other@example.id"
    with pytest.raises(UnsafeHeader, match="line break"):
        mail_bytes(message=MESSAGE, **values)
