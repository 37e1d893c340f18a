"""The codes of the contract in plain words, Bahasa Indonesia first and English: programmes, PPKS, statuses,
levels, channels and reason codes, as the screens show them."""

from __future__ import annotations

from slrt_contracts.codes import PPKS, REASON_WORDS, CaseStatus, Channel, Level, Programme, ReasonCode, ReferralStatus

Words = dict[str, str]

PROGRAMMES: dict[Programme, Words] = {
    Programme.PKH: {"id": "PKH: Program Keluarga Harapan", "en": "PKH: conditional cash transfer"},
    Programme.SEMBAKO: {"id": "Sembako: bantuan pangan", "en": "Sembako: food assistance"},
    Programme.PBI_JK: {"id": "PBI-JK: iuran BPJS Kesehatan dibayar pemerintah",
                       "en": "PBI-JK: health insurance premiums paid by the state"},
    Programme.PIP: {"id": "PIP: Program Indonesia Pintar (biaya sekolah)", "en": "PIP: school assistance"},
    Programme.ATENSI: {"id": "ATENSI: rehabilitasi sosial", "en": "ATENSI: social rehabilitation"},
    Programme.BANSOS_DAERAH: {"id": "Bansos daerah", "en": "Regional social assistance"},
    Programme.ODGJ: {"id": "Layanan orang dengan gangguan jiwa", "en": "Care for people with mental illness"},
    Programme.PEMULANGAN: {"id": "Pemulangan ke daerah asal", "en": "Return to the place of origin"},
    Programme.BLT_DD: {"id": "BLT Dana Desa", "en": "Village fund cash transfer"},
    Programme.BANTUAN_BERAS: {"id": "Bantuan beras", "en": "Rice assistance"},
    Programme.ADMINDUK: {"id": "Dokumen kependudukan (KTP, KK, akta)", "en": "Civil registration documents"},
    Programme.RUTILAHU: {"id": "Rumah tidak layak huni", "en": "Housing repair"},
    Programme.DTSEN: {"id": "Pendaftaran atau pembaruan DTSEN", "en": "Registration or update in DTSEN"},
}

PPKS_EN: dict[int, str] = {
    1: "Neglected toddlers", 2: "Neglected children", 3: "Children in conflict with the law", 4: "Street children",
    5: "Children with disabilities", 6: "Child victims of violence or mistreatment",
    7: "Children in need of special protection", 8: "Neglected elderly", 9: "People with disabilities",
    10: "Sex workers", 11: "Homeless people", 12: "Beggars", 13: "Scavengers", 14: "Minority groups",
    15: "Former prisoners", 16: "People with HIV/AIDS", 17: "Victims of drug abuse", 18: "Victims of trafficking",
    19: "Victims of violence", 20: "Migrant workers with social problems", 21: "Victims of natural disasters",
    22: "Victims of social disasters", 23: "Economically vulnerable women",
    24: "The poor", 25: "Families with social or psychological problems", 26: "Remote indigenous communities",
}
#: PPKS a desk should not show to everyone looking at the screen; the form still offers them.
SENSITIVE_PPKS = frozenset({3, 6, 7, 10, 15, 16, 17, 18, 19})

STATUSES: dict[str, Words] = {
    CaseStatus.REGISTERED: {"id": "terdaftar", "en": "registered"},
    CaseStatus.REFERRED: {"id": "dirujuk", "en": "referred"},
    CaseStatus.IN_PROGRESS: {"id": "sedang ditangani", "en": "in progress"},
    CaseStatus.RESOLVED: {"id": "selesai", "en": "resolved"},
    CaseStatus.CLOSED: {"id": "ditutup", "en": "closed"},
    ReferralStatus.DISPATCHED: {"id": "menunggu jawaban", "en": "awaiting an answer"},
    ReferralStatus.ACCEPTED: {"id": "diterima", "en": "accepted"},
    ReferralStatus.REJECTED: {"id": "ditolak", "en": "rejected"},
}
LEVELS: dict[str, Words] = {
    Level.DESA: {"id": "desa", "en": "village"}, Level.KECAMATAN: {"id": "kecamatan", "en": "district"},
    Level.KABUPATEN: {"id": "kabupaten/kota", "en": "regency/city"},
    Level.PROVINSI: {"id": "provinsi", "en": "province"},
    Level.NASIONAL: {"id": "nasional", "en": "national"},
}
CHANNELS: dict[str, Words] = {
    Channel.PUSKESOS: {"id": "Puskesos (desa)", "en": "Puskesos (village)"},
    Channel.JOKJES: {"id": "Jokjes (posyandu)", "en": "Jokjes (posyandu)"},
    Channel.SLRT: {"id": "Kantor SLRT kabupaten", "en": "SLRT office of the regency"},
    Channel.ONLINE: {"id": "daring", "en": "online"}, Channel.AGENCY: {"id": "instansi", "en": "agency"},
}
#: The channels a desk registers from (``online`` and ``agency`` come from other systems).
DESK_CHANNELS = (Channel.PUSKESOS, Channel.JOKJES, Channel.SLRT)


def programme(code: str, lang: str) -> str:
    found = PROGRAMMES.get(code)  # type: ignore[call-overload]
    return found[lang] if found else code


def ppks(ordinal: int, lang: str) -> str:
    return PPKS.get(ordinal, str(ordinal)) if lang == "id" else PPKS_EN.get(ordinal, str(ordinal))


def status(code: str | None, lang: str) -> str:
    return STATUSES.get(code or "", {}).get(lang, code or "")


def level(code: str | None, lang: str) -> str:
    return LEVELS.get(code or "", {}).get(lang, code or "")


def channel(code: str | None, lang: str) -> str:
    return CHANNELS.get(code or "", {}).get(lang, code or "")


def reason(code: str | None, lang: str) -> str:
    try:
        return REASON_WORDS[ReasonCode(code)][lang] if code else ""
    except ValueError:
        return code or ""
