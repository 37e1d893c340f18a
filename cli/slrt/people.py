"""Realistic, synthetic citizens for demos and benchmarks: real desa codes, structurally valid NIK and KK
(the kecamatan of the desa, a real birth date, women DD+40), Indonesian names, 08xx phone numbers.
None of them is a real person."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from slrt_contracts.codes import Channel, DtsenStatus, Programme
from slrt_contracts.regions import all_desa_codes

FEMALE = ["Siti", "Sri", "Dewi", "Nur", "Rina", "Wulan", "Ani", "Yuli", "Eka", "Lestari", "Fitri", "Ratna",
          "Ayu", "Maria", "Ni Made", "Ni Luh", "Putri", "Indah", "Sumiati", "Rohani"]
MALE = ["Budi", "Agus", "Joko", "Ahmad", "Slamet", "Hendra", "Yohanes", "I Wayan", "I Ketut", "Rudi", "Bambang",
        "Dedi", "Muhammad", "Andi", "La Ode", "Teguh", "Supriadi", "Heri", "Markus", "Asep"]
FAMILY = ["Aminah", "Santoso", "Wahyuni", "Hidayat", "Saputra", "Rahayu", "Siregar", "Nainggolan", "Simanjuntak",
          "Pratama", "Kurniawan", "Lubis", "Harahap", "Wijaya", "Setiawan", "Susanti", "Manurung", "Sulistyo",
          "Mahmud", "Daeng", "Pattimura", "Wenda", "Tabuni", "Rumbiak", "Sihombing", "Nasution"]
NEEDS_TEXT = {
    "PKH": "Belum menerima bantuan PKH padahal memiliki anak sekolah dan balita.",
    "SEMBAKO": "Kartu Sembako tidak bisa dicairkan sejak dua bulan terakhir.",
    "PBI-JK": "Kartu KIS tidak aktif saat berobat ke puskesmas, mohon reaktivasi PBI-JK.",
    "PIP": "Anak kelas 5 SD belum terdaftar sebagai penerima PIP.",
    "ATENSI": "Lansia tinggal sendiri dan membutuhkan pendampingan rehabilitasi sosial.",
    "BANSOS-DAERAH": "Penyandang disabilitas membutuhkan bantuan alat bantu dari pemda.",
    "ODGJ": "Anggota keluarga dengan gangguan jiwa membutuhkan penanganan.",
    "PEMULANGAN": "Warga terlantar di terminal membutuhkan pemulangan ke daerah asal.",
    "BLT-DD": "Keluarga miskin belum masuk daftar penerima BLT Dana Desa.",
    "BANTUAN-BERAS": "Tidak menerima bantuan pangan beras bulan ini.",
    "ADMINDUK": "Belum memiliki akta kelahiran anak dan KK belum diperbarui.",
    "RUTILAHU": "Rumah tidak layak huni, atap bocor dan dinding rusak.",
    "DTSEN": "Keluarga belum terdaftar di DTSEN dan mohon diusulkan.",
}
FOCUS_KABUPATEN = ("32.01", "33.74", "35.07", "63.01", "53.71", "91.03")


class Population:
    def __init__(self, seed: int | None = None, focus: tuple[str, ...] = FOCUS_KABUPATEN) -> None:
        self.rng = random.Random(seed)
        codes = all_desa_codes()
        self.focus = [c for c in codes if c[:5] in focus] or codes
        self.everywhere = codes
        self._serial = self.rng.randint(1, 5000)

    def desa(self) -> str:
        return self.rng.choice(self.focus if self.rng.random() < 0.85 else self.everywhere)

    def _number(self, desa: str, day: date, female: bool) -> str:
        self._serial = self._serial % 9999 + 1
        dd = day.day + (40 if female else 0)
        return f"{desa[:8].replace('.', '')}{dd:02d}{day.month:02d}{day.year % 100:02d}{self._serial:04d}"

    def registration(self) -> dict[str, Any]:
        rng = self.rng
        desa = self.desa()
        female = rng.random() < 0.55
        born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 62))
        name = f"{rng.choice(FEMALE if female else MALE)} {rng.choice(FAMILY)}"
        needs = rng.sample(list(NEEDS_TEXT), k=rng.choice([1, 1, 1, 2, 2, 3]))
        ppks = sorted(rng.sample(range(1, 27), k=rng.choice([0, 1, 1, 2]))) or ([24] if rng.random() < 0.6 else [])
        citizen: dict[str, Any] = {"nik": self._number(desa, born, female),
                                   "kk": self._number(desa, date(2015, 1, 1) + timedelta(days=rng.randint(0, 3000)),
                                                      False),
                                   "name": name}
        if rng.random() < 0.9:
            prefix = rng.choice(["12", "13", "21", "52", "77", "95", "57"])
            citizen["phone"] = f"08{prefix}{rng.randint(10_000_000, 99_999_999)}"
        if rng.random() < 0.4:
            citizen["email"] = f"{name.split()[0].lower()}.{rng.randint(1, 999)}@example.id"
        if rng.random() < 0.1:
            citizen["language"] = "en"
        dtsen = rng.choice([DtsenStatus.REGISTERED, DtsenStatus.REGISTERED, DtsenStatus.NOT_REGISTERED,
                            DtsenStatus.UNKNOWN])
        return {
            "citizen": citizen,
            "address": {"region_code": desa, "rt": f"{rng.randint(1, 12):03d}", "rw": f"{rng.randint(1, 8):03d}",
                        "street": f"Jl. {rng.choice(['Melati', 'Mawar', 'Kenanga', 'Merdeka', 'Flamboyan'])} "
                                  f"{rng.randint(1, 120)}"},
            "household": {"dtsen_status": dtsen.value, "desil": rng.randint(1, 4)},
            "ppks": ppks,
            "needs": needs,
            "description": " ".join(NEEDS_TEXT[n] for n in needs),
            "channel": rng.choice([Channel.PUSKESOS, Channel.PUSKESOS, Channel.PUSKESOS, Channel.JOKJES,
                                   Channel.SLRT, Channel.ONLINE]).value,
            "consent": True,
        }


PROGRAMMES = [p.value for p in Programme]
