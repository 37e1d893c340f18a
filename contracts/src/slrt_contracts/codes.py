"""Reference codes of the external contract (CONTRACT.md, "Reference codes"). Fixed names: extend, never rename."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    DESA = "desa"
    KECAMATAN = "kecamatan"
    KABUPATEN = "kabupaten"
    PROVINSI = "provinsi"
    NASIONAL = "nasional"


class Programme(StrEnum):
    PKH = "PKH"
    SEMBAKO = "SEMBAKO"
    PBI_JK = "PBI-JK"
    PIP = "PIP"
    ATENSI = "ATENSI"
    BANSOS_DAERAH = "BANSOS-DAERAH"
    ODGJ = "ODGJ"
    PEMULANGAN = "PEMULANGAN"
    BLT_DD = "BLT-DD"
    BANTUAN_BERAS = "BANTUAN-BERAS"
    ADMINDUK = "ADMINDUK"
    RUTILAHU = "RUTILAHU"
    DTSEN = "DTSEN"


class Channel(StrEnum):
    PUSKESOS = "puskesos"
    JOKJES = "jokjes"
    SLRT = "slrt"
    ONLINE = "online"
    AGENCY = "agency"


class CaseStatus(StrEnum):
    REGISTERED = "registered"
    REFERRED = "referred"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ReferralStatus(StrEnum):
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class DtsenStatus(StrEnum):
    REGISTERED = "registered"
    NOT_REGISTERED = "not_registered"
    UNKNOWN = "unknown"


class Language(StrEnum):
    ID = "id"
    EN = "en"


class ErasureReason(StrEnum):
    """Why a citizen's personal data was erased (UU 27/2022): carried by ``case.erased`` instead of free text."""

    CITIZEN_REQUEST = "citizen_request"  # the citizen asked (hak penghapusan)
    CONSENT_WITHDRAWN = "consent_withdrawn"  # the citizen withdrew consent
    RETENTION = "retention"  # the case was closed longer than the retention limit
    UNLAWFUL_PROCESSING = "unlawful_processing"  # the data should never have been processed


#: Where a case starts on the escalation ladder, by intake channel.
START_LEVEL: dict[Channel, Level] = {
    Channel.PUSKESOS: Level.DESA,
    Channel.JOKJES: Level.DESA,
    Channel.ONLINE: Level.DESA,
    Channel.AGENCY: Level.DESA,
    Channel.SLRT: Level.KABUPATEN,
}

#: The 26 PPKS (Permensos 8/2012 numbering). No official codes exist: ordinal + name.
PPKS: dict[int, str] = {
    1: "Anak Balita Terlantar",
    2: "Anak Terlantar",
    3: "Anak yang Berhadapan dengan Hukum",
    4: "Anak Jalanan",
    5: "Anak dengan Kedisabilitasan",
    6: "Anak yang Menjadi Korban Tindak Kekerasan atau Diperlakukan Salah",
    7: "Anak yang Memerlukan Perlindungan Khusus",
    8: "Lanjut Usia Terlantar",
    9: "Penyandang Disabilitas",
    10: "Tuna Susila",
    11: "Gelandangan",
    12: "Pengemis",
    13: "Pemulung",
    14: "Kelompok Minoritas",
    15: "Bekas Warga Binaan Lembaga Pemasyarakatan",
    16: "Orang dengan HIV/AIDS",
    17: "Korban Penyalahgunaan NAPZA",
    18: "Korban Trafficking",
    19: "Korban Tindak Kekerasan",
    20: "Pekerja Migran Bermasalah Sosial",
    21: "Korban Bencana Alam",
    22: "Korban Bencana Sosial",
    23: "Perempuan Rawan Sosial Ekonomi",
    24: "Fakir Miskin",
    25: "Keluarga Bermasalah Sosial Psikologis",
    26: "Komunitas Adat Terpencil",
}


class ReasonCode(StrEnum):
    """Why an owner answered a referral as it did. The citizen and the public events see only the code's words,
    never the owner's free text."""

    NOT_ELIGIBLE = "not_eligible"
    NOT_OUR_AUTHORITY = "not_our_authority"
    NOT_IN_DTSEN = "not_in_dtsen"
    ALREADY_RECEIVING = "already_receiving"
    DOCUMENTS_INCOMPLETE = "documents_incomplete"
    QUOTA_FULL = "quota_full"
    DUPLICATE = "duplicate"
    CITIZEN_UNREACHABLE = "citizen_unreachable"
    DECLINED_BY_CITIZEN = "declined_by_citizen"
    MOVED_AWAY = "moved_away"
    DECEASED = "deceased"
    UNDER_VERIFICATION = "under_verification"
    SCHEDULED = "scheduled"
    BENEFIT_GRANTED = "benefit_granted"
    SERVICE_PROVIDED = "service_provided"
    REFERRED_OUTSIDE = "referred_outside"
    OTHER = "other"


#: The words of each reason code, in Bahasa Indonesia (``id``: also what the public events carry as ``reason``)
#: and English (``en``), and the answers it is meant for.
REASON_WORDS: dict[ReasonCode, dict[str, str]] = {
    ReasonCode.NOT_ELIGIBLE: {"id": "tidak memenuhi syarat", "en": "not eligible"},
    ReasonCode.NOT_OUR_AUTHORITY: {"id": "bukan wewenang", "en": "not within our authority"},
    ReasonCode.NOT_IN_DTSEN: {"id": "belum terdaftar di DTSEN", "en": "not registered in DTSEN"},
    ReasonCode.ALREADY_RECEIVING: {"id": "sudah menerima bantuan", "en": "already receiving the benefit"},
    ReasonCode.DOCUMENTS_INCOMPLETE: {"id": "dokumen belum lengkap", "en": "documents incomplete"},
    ReasonCode.QUOTA_FULL: {"id": "kuota penuh", "en": "quota full"},
    ReasonCode.DUPLICATE: {"id": "rujukan ganda", "en": "duplicate referral"},
    ReasonCode.CITIZEN_UNREACHABLE: {"id": "warga tidak dapat dihubungi", "en": "citizen could not be reached"},
    ReasonCode.DECLINED_BY_CITIZEN: {"id": "ditolak oleh warga", "en": "declined by the citizen"},
    ReasonCode.MOVED_AWAY: {"id": "warga pindah domisili", "en": "citizen moved away"},
    ReasonCode.DECEASED: {"id": "warga meninggal dunia", "en": "citizen deceased"},
    ReasonCode.UNDER_VERIFICATION: {"id": "sedang diverifikasi", "en": "under verification"},
    ReasonCode.SCHEDULED: {"id": "dijadwalkan", "en": "scheduled"},
    ReasonCode.BENEFIT_GRANTED: {"id": "bantuan diberikan", "en": "benefit granted"},
    ReasonCode.SERVICE_PROVIDED: {"id": "layanan diberikan", "en": "service provided"},
    ReasonCode.REFERRED_OUTSIDE: {"id": "dirujuk ke lembaga lain", "en": "referred to another institution"},
    ReasonCode.OTHER: {"id": "alasan lain", "en": "other reason"},
}

#: The answers each reason code is meant for (documentation and the dashboard's choices; not enforced).
REASON_FOR: dict[ReasonCode, tuple[ReferralStatus, ...]] = {
    **{code: (ReferralStatus.REJECTED,) for code in (
        ReasonCode.NOT_ELIGIBLE, ReasonCode.NOT_OUR_AUTHORITY, ReasonCode.NOT_IN_DTSEN, ReasonCode.ALREADY_RECEIVING,
        ReasonCode.DOCUMENTS_INCOMPLETE, ReasonCode.QUOTA_FULL, ReasonCode.DUPLICATE)},
    **{code: (ReferralStatus.REJECTED, ReferralStatus.RESOLVED) for code in (
        ReasonCode.CITIZEN_UNREACHABLE, ReasonCode.DECLINED_BY_CITIZEN, ReasonCode.MOVED_AWAY, ReasonCode.DECEASED)},
    ReasonCode.UNDER_VERIFICATION: (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS),
    ReasonCode.SCHEDULED: (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS),
    ReasonCode.BENEFIT_GRANTED: (ReferralStatus.RESOLVED,),
    ReasonCode.SERVICE_PROVIDED: (ReferralStatus.RESOLVED,),
    ReasonCode.REFERRED_OUTSIDE: (ReferralStatus.RESOLVED,),
    ReasonCode.OTHER: (ReferralStatus.ACCEPTED, ReferralStatus.REJECTED, ReferralStatus.IN_PROGRESS,
                       ReferralStatus.RESOLVED),
}


def reason_words(code: str | None, language: str = "id") -> str | None:
    """The words of a reason code in ``language`` (``id`` or ``en``; others read Bahasa Indonesia); ``None``
    for no code or one this version does not know (a newer code is never replaced by free text)."""
    if code is None or code not in REASON_WORDS:
        return None
    words = REASON_WORDS[ReasonCode(code)]
    return words.get(language, words["id"])
