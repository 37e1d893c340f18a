"""The validated field types of the bodies agencies send (HTTP and ``slrt.intake.commands``).

Each check raises a ``PydanticCustomError`` whose type names the rule, whose message is English and whose
``ctx.msg_id`` is the Bahasa Indonesia one (``slrt_shared.errors`` picks by ``Accept-Language``). No message
repeats the input. Every string has a length limit and refuses control characters and unpaired surrogates
(which no database column can store).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from lokal import parse_phone
from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

from slrt_contracts import identity, regions

EMAIL_PATTERN = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_EMAIL = re.compile(EMAIL_PATTERN)
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
_PROSE_CONTROLS = frozenset("\n\r\t")


def custom_error(code: str, en: str, id_: str) -> PydanticCustomError:
    return PydanticCustomError(code, en, {"msg_id": id_})


def _unsafe(value: str, allowed: frozenset[str]) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in value)


def single_line(value: str) -> str:
    if _unsafe(value, frozenset()):
        raise custom_error("control_characters", "must not contain control characters or line breaks",
                           "tidak boleh berisi karakter kontrol atau baris baru")
    return value


def _prose(value: str) -> str:
    if _unsafe(value, _PROSE_CONTROLS):
        raise custom_error("control_characters", "must not contain control characters",
                           "tidak boleh berisi karakter kontrol")
    return value


def _check_nik(value: str) -> str:
    parsed = identity.parse_nik(value)
    if parsed.errors:
        p = parsed.errors[0]
        raise custom_error(f"nik_{p.code}", p.message_en, p.message_id)
    return parsed.nik


def _check_kk(value: str) -> str:
    parsed = identity.parse_kk(value)
    if parsed.errors:
        p = parsed.errors[0]
        raise custom_error(f"kk_{p.code}", p.message_en, p.message_id)
    return parsed.kk


def _check_phone(value: str) -> str:
    single_line(value)
    parsed = parse_phone(value)
    if not parsed.valid or not parsed.e164:
        raise custom_error("phone_invalid", "not an Indonesian phone number", "bukan nomor telepon Indonesia")
    return parsed.e164


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise custom_error("email_invalid", "not a valid e-mail address", "bukan alamat e-mail yang valid")
    return value


def _check_region(value: str) -> str:
    desa = regions.find_desa(value)
    if desa is None:
        raise custom_error("region_unknown", "not one of the Kemendagri desa/kelurahan codes",
                           "bukan kode desa/kelurahan Kemendagri")
    return desa.code


def _check_rt_rw(value: str) -> str:
    if not re.fullmatch(r"[0-9]{1,3}", value):
        raise custom_error("rt_rw_invalid", "must be 1 to 3 digits", "harus 1 sampai 3 digit angka")
    return value


def _check_identifier(value: str) -> str:
    if not re.match(IDENTIFIER_PATTERN, value):
        raise custom_error("identifier_invalid", "not an identifier issued by SLRT", "bukan ID yang diterbitkan SLRT")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(single_line)]
Prose = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_prose)]
Nik = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32), AfterValidator(_check_nik)]
Kk = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32), AfterValidator(_check_kk)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32), AfterValidator(_check_phone)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_check_email)]
RegionCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=13), AfterValidator(_check_region)]
RtRw = Annotated[str, StringConstraints(strip_whitespace=True, max_length=3), AfterValidator(_check_rt_rw)]
Identifier = Annotated[str, StringConstraints(max_length=64), AfterValidator(_check_identifier)]
