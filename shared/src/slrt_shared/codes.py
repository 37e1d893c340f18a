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
