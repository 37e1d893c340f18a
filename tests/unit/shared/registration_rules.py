"""Every rule of the case registration body, with the field it names and its message in both languages.

Shared by the model tests (``test_registration_rules``), the HTTP tests and the command-topic tests, so each
rule is proved at every entrance.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

VALID: dict[str, Any] = {
    "citizen": {"nik": "3201015508950001", "kk": "3201010101200001", "name": "Siti Aminah",
                "phone": "081234567890", "email": "siti@example.id"},
    "address": {"region_code": "32.01.01.1002", "rt": "003", "rw": "005", "street": "Jl. Melati 10"},
    "household": {"dtsen_status": "registered", "desil": 2},
    "ppks": [24],
    "needs": ["PKH", "PBI-JK"],
    "description": "Belum menerima bantuan PKH sejak tiga bulan.",
    "channel": "puskesos",
    "consent": True,
}

DROP = object()  # a value that means "leave the field out"
NEEDS = "'PKH', 'SEMBAKO', 'PBI-JK', 'PIP', 'ATENSI', 'BANSOS-DAERAH', 'ODGJ', 'PEMULANGAN', 'BLT-DD', " \
        "'BANTUAN-BERAS', 'ADMINDUK', 'RUTILAHU'"


@dataclass(frozen=True)
class Rule:
    name: str
    path: tuple[str, ...]
    value: Any
    loc: tuple[str | int, ...]
    type: str
    msg_id: str
    msg_en: str

    def body(self, base: dict[str, Any] | None = None) -> dict[str, Any]:
        return with_value(base or VALID, self.path, self.value)


def with_value(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(base)
    here = body
    for part in path[:-1]:
        here = here[part]
    if value is DROP:
        here.pop(path[-1], None)
    else:
        here[path[-1]] = value
    return body


def _r(name: str, path: tuple[str, ...], value: Any, type_: str, msg_id: str, msg_en: str,
       loc: tuple[str | int, ...] | None = None) -> Rule:
    return Rule(name, path, value, loc if loc is not None else path, type_, msg_id, msg_en)


C, A, H = "citizen", "address", "household"
RULES: list[Rule] = [
    # NIK: 16 digits, a real birth date (women DD+40), serial not 0000, plausible province and kabupaten/kota
    _r("nik too short", (C, "nik"), "320101550895001", "nik_format", "NIK harus 16 digit angka",
       "NIK must be exactly 16 digits"),
    _r("nik with a letter", (C, "nik"), "32010155089500O1", "nik_format", "NIK harus 16 digit angka",
       "NIK must be exactly 16 digits"),
    _r("nik too long", (C, "nik"), "3" * 33, "string_too_long", "paling banyak 32 karakter",
       "String should have at most 32 characters"),
    _r("nik 31 February", (C, "nik"), "3201013102950001", "nik_birth_date",
       "tanggal lahir pada NIK tidak valid (perempuan: tanggal + 40)",
       "NIK does not hold a real birth date (women: day + 40)"),
    _r("nik day 35 (neither a man's nor a woman's)", (C, "nik"), "3201013508950001", "nik_birth_date",
       "tanggal lahir pada NIK tidak valid (perempuan: tanggal + 40)",
       "NIK does not hold a real birth date (women: day + 40)"),
    _r("nik month 13", (C, "nik"), "3201011513950001", "nik_birth_date",
       "tanggal lahir pada NIK tidak valid (perempuan: tanggal + 40)",
       "NIK does not hold a real birth date (women: day + 40)"),
    _r("nik serial 0000", (C, "nik"), "3201015508950000", "nik_serial", "nomor urut NIK tidak boleh 0000",
       "NIK serial number may not be 0000"),
    _r("nik unknown province", (C, "nik"), "9901015508950001", "nik_province",
       "kode provinsi pada NIK tidak dikenal", "NIK has an unknown province code"),
    _r("nik kabupaten 70", (C, "nik"), "3270015508950001", "nik_kabupaten",
       "kode kabupaten/kota atau kecamatan pada NIK tidak mungkin",
       "NIK has an impossible kabupaten/kota or kecamatan code"),
    _r("nik kecamatan 00", (C, "nik"), "3201005508950001", "nik_kabupaten",
       "kode kabupaten/kota atau kecamatan pada NIK tidak mungkin",
       "NIK has an impossible kabupaten/kota or kecamatan code"),
    _r("nik missing", (C, "nik"), DROP, "missing", "wajib diisi", "Field required"),
    _r("nik a number", (C, "nik"), 3201015508950001, "string_type", "harus berupa teks",
       "Input should be a valid string"),
    # KK
    _r("kk too short", (C, "kk"), "32010101012000", "kk_format", "nomor KK harus 16 digit angka",
       "KK must be exactly 16 digits"),
    _r("kk serial 0000", (C, "kk"), "3201010101200000", "kk_serial", "nomor urut KK tidak boleh 0000",
       "KK serial number may not be 0000"),
    _r("kk unknown province", (C, "kk"), "0001010101200001", "kk_province", "kode provinsi pada KK tidak dikenal",
       "KK has an unknown province code"),
    _r("kk missing", (C, "kk"), DROP, "missing", "wajib diisi", "Field required"),
    # name
    _r("name blank", (C, "name"), "   ", "string_too_short", "paling sedikit 1 karakter",
       "String should have at least 1 character"),
    _r("name too long", (C, "name"), "a" * 101, "string_too_long", "paling banyak 100 karakter",
       "String should have at most 100 characters"),
    _r("name with a line break", (C, "name"), "Siti\nAminah", "control_characters",
       "tidak boleh berisi karakter kontrol atau baris baru", "must not contain control characters or line breaks"),
    _r("name with a NUL", (C, "name"), "Siti\x00", "control_characters",
       "tidak boleh berisi karakter kontrol atau baris baru", "must not contain control characters or line breaks"),
    _r("name missing", (C, "name"), DROP, "missing", "wajib diisi", "Field required"),
    # phone, e-mail, language
    _r("phone not Indonesian", (C, "phone"), "+14155550100", "phone_invalid", "bukan nomor telepon Indonesia",
       "not an Indonesian phone number"),
    _r("phone too few digits", (C, "phone"), "0812", "phone_invalid", "bukan nomor telepon Indonesia",
       "not an Indonesian phone number"),
    _r("phone too long", (C, "phone"), "0812" + "3" * 40, "string_too_long", "paling banyak 32 karakter",
       "String should have at most 32 characters"),
    _r("email without domain", (C, "email"), "siti@", "email_invalid", "bukan alamat e-mail yang valid",
       "not a valid e-mail address"),
    _r("email with a space", (C, "email"), "siti aminah@example.id", "email_invalid",
       "bukan alamat e-mail yang valid", "not a valid e-mail address"),
    _r("email too long", (C, "email"), "s" * 250 + "@example.id", "string_too_long", "paling banyak 254 karakter",
       "String should have at most 254 characters"),
    _r("language unknown", (C, "language"), "fr", "enum", "harus salah satu dari: 'id' atau 'en'",
       "Input should be 'id' or 'en'"),
    _r("citizen unknown field", (C, "religion"), "x", "extra_forbidden", "kolom tidak dikenal",
       "Extra inputs are not permitted"),
    _r("citizen not an object", (C,), "Siti", "model_type", "harus berupa objek",
       "Input should be a valid dictionary or instance of Citizen"),
    # address
    _r("region unknown desa", (A, "region_code"), "32.01.01.9999", "region_unknown",
       "bukan kode desa/kelurahan Kemendagri", "not one of the Kemendagri desa/kelurahan codes"),
    _r("region a kecamatan, not a desa", (A, "region_code"), "32.01.01", "region_unknown",
       "bukan kode desa/kelurahan Kemendagri", "not one of the Kemendagri desa/kelurahan codes"),
    _r("region badly dotted", (A, "region_code"), "3.201.01.1002", "region_unknown",
       "bukan kode desa/kelurahan Kemendagri", "not one of the Kemendagri desa/kelurahan codes"),
    _r("region too long", (A, "region_code"), "32.01.01.10020", "string_too_long", "paling banyak 13 karakter",
       "String should have at most 13 characters"),
    _r("region missing", (A, "region_code"), DROP, "missing", "wajib diisi", "Field required"),
    _r("rt letters", (A, "rt"), "ab", "rt_rw_invalid", "harus 1 sampai 3 digit angka", "must be 1 to 3 digits"),
    _r("rt too long", (A, "rt"), "0003", "string_too_long", "paling banyak 3 karakter",
       "String should have at most 3 characters"),
    _r("rw letters", (A, "rw"), "x5", "rt_rw_invalid", "harus 1 sampai 3 digit angka", "must be 1 to 3 digits"),
    _r("street too long", (A, "street"), "Jl. " + "M" * 200, "string_too_long", "paling banyak 200 karakter",
       "String should have at most 200 characters"),
    _r("street with a tab", (A, "street"), "Jl.\tMelati", "control_characters",
       "tidak boleh berisi karakter kontrol atau baris baru", "must not contain control characters or line breaks"),
    _r("address unknown field", (A, "postcode"), "16914", "extra_forbidden", "kolom tidak dikenal",
       "Extra inputs are not permitted"),
    # household
    _r("dtsen status unknown", (H, "dtsen_status"), "maybe", "enum",
       "harus salah satu dari: 'registered', 'not_registered' atau 'unknown'",
       "Input should be 'registered', 'not_registered' or 'unknown'"),
    _r("desil 0", (H, "desil"), 0, "greater_than_equal", "paling kecil 1",
       "Input should be greater than or equal to 1"),
    _r("desil 11", (H, "desil"), 11, "less_than_equal", "paling besar 10", "Input should be less than or equal to 10"),
    _r("desil not a number", (H, "desil"), "dua", "int_parsing", "harus berupa bilangan bulat",
       "Input should be a valid integer, unable to parse string as an integer"),
    _r("desil a fraction", (H, "desil"), 2.5, "int_from_float", "harus berupa bilangan bulat, tanpa pecahan",
       "Input should be a valid integer, got a number with a fractional part"),
    # ppks
    _r("ppks 0", ("ppks",), [0], "greater_than_equal", "paling kecil 1",
       "Input should be greater than or equal to 1", loc=("ppks", 0)),
    _r("ppks 27", ("ppks",), [24, 27], "less_than_equal", "paling besar 26",
       "Input should be less than or equal to 26", loc=("ppks", 1)),
    _r("ppks repeated", ("ppks",), [24, 24], "duplicate_items", "isi daftar tidak boleh berulang",
       "items must not repeat"),
    _r("ppks not a list", ("ppks",), 24, "list_type", "harus berupa daftar", "Input should be a valid list"),
    # needs
    _r("needs empty", ("needs",), [], "too_short", "paling sedikit 1 isi",
       "List should have at least 1 item after validation, not 0"),
    _r("needs unknown programme", ("needs",), ["PKH", "BPJS"], "enum", f"harus salah satu dari: {NEEDS} atau 'DTSEN'",
       f"Input should be {NEEDS} or 'DTSEN'", loc=("needs", 1)),
    _r("needs repeated", ("needs",), ["PKH", "PKH"], "duplicate_items", "isi daftar tidak boleh berulang",
       "items must not repeat"),
    _r("needs missing", ("needs",), DROP, "missing", "wajib diisi", "Field required"),
    # description, channel, consent, unknown fields
    _r("description blank", ("description",), " ", "string_too_short", "paling sedikit 1 karakter",
       "String should have at least 1 character"),
    _r("description too long", ("description",), "x" * 2001, "string_too_long", "paling banyak 2000 karakter",
       "String should have at most 2000 characters"),
    _r("description with a bell", ("description",), "Tolong\x07", "control_characters",
       "tidak boleh berisi karakter kontrol", "must not contain control characters"),
    _r("channel unknown", ("channel",), "fax", "enum",
       "harus salah satu dari: 'puskesos', 'jokjes', 'slrt', 'online' atau 'agency'",
       "Input should be 'puskesos', 'jokjes', 'slrt', 'online' or 'agency'"),
    _r("consent false", ("consent",), False, "consent_required", "persetujuan (consent) harus true",
       "consent must be true"),
    _r("consent a string", ("consent",), "true", "bool_type", "harus berupa true atau false",
       "Input should be a valid boolean"),
    _r("consent missing", ("consent",), DROP, "missing", "wajib diisi", "Field required"),
    _r("unknown top-level field", ("priority",), "high", "extra_forbidden", "kolom tidak dikenal",
       "Extra inputs are not permitted"),
]
