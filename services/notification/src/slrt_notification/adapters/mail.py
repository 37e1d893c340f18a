"""An e-mail as the bytes SMTP carries: multipart/alternative, plain text then HTML, UTF-8, quoted-printable.

The message every notification e-mail is has one fixed shape, so it is written out directly around the
``email`` package's own encoders (quoted-printable bodies, RFC 2047 subjects, the date): building it as
``email.mime`` objects and flattening them with a generator cost several times the sending, and the parts that
matter (the encodings) are the package's either way. A reader parses it as it parsed the ``email.mime`` build.
"""

from __future__ import annotations

import uuid
from email.charset import QP, Charset
from email.header import Header
from email.utils import formatdate

from slrt_notification.domain.templates import Rendered

_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP  # readable as it travels
_FOLD_AT = 78  # a header line longer than this is folded (RFC 5322's "should")
_PART = 'Content-Type: text/{kind}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'


class UnsafeHeader(ValueError):
    """A header value with a line break: it would start headers of its own."""


def mail_bytes(*, sender: str, to: str, message: Rendered, idempotency_key: str) -> bytes:
    """The message, CRLF line ends. The same Message-ID on every attempt (from ``idempotency_key``), so a resend
    after an unknown outcome is recognisable downstream."""
    for name, value in (("From", sender), ("To", to), ("Message-ID", idempotency_key)):
        if "\r" in value or "\n" in value:
            raise UnsafeHeader(f"the {name} header holds a line break")
    boundary = f"=_slrt_{uuid.uuid4().hex[:16]}=="  # "=_" and "==" never occur in quoted-printable text
    head = (f"From: {sender}\r\nTo: {to}\r\nSubject: {_subject(message.subject)}\r\n"
            f"Date: {formatdate(localtime=False)}\r\nMessage-ID: <{idempotency_key}@slrt.notification>\r\n"
            f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n')
    body = (f"--{boundary}\r\n{_PART.format(kind='plain')}{_qp(message.text)}\r\n"
            f"--{boundary}\r\n{_PART.format(kind='html')}{_qp(message.html)}\r\n"
            f"--{boundary}--\r\n")
    return (head + body).encode("utf-8")


def _subject(subject: str) -> str:
    """One line of plain ASCII as it is; anything else as RFC 2047 encoded words, folded."""
    line = " ".join(subject.split())
    if line.isascii() and len("Subject: ") + len(line) <= _FOLD_AT:
        return line
    return Header(line, "us-ascii" if line.isascii() else "utf-8", header_name="Subject").encode(linesep="\r\n")


def _qp(text: str) -> str:
    return _UTF8.body_encode(text).replace("\n", "\r\n") if text else ""
