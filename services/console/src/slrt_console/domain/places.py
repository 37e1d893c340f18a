"""The desa an operator may register in (those of their scope), searchable by name."""

from __future__ import annotations

from functools import lru_cache

from slrt_contracts import regions
from slrt_contracts.codes import Level


@lru_cache(maxsize=256)
def desa_of(scope: str) -> tuple[tuple[str, str, str], ...]:
    """Every desa in ``scope``: (code, name, the names above it down from the kabupaten), by name."""
    if scope != "nasional" and regions.level_of(scope) is Level.DESA:
        found = regions.find_desa(scope)
        return ((scope, found.name, f"{found.kecamatan}, {found.kabupaten}"),) if found else ()
    out = []
    for code in regions.all_desa_codes():
        if scope == "nasional" or regions.contains(scope, code):
            desa = regions.find_desa(code)
            if desa is not None:
                out.append((code, desa.name, f"{desa.kecamatan}, {desa.kabupaten}"))
    return tuple(sorted(out, key=lambda d: (d[1], d[0])))


def search_desa(scope: str, text: str, *, limit: int = 20) -> list[dict[str, str]]:
    """The desa of ``scope`` whose name (or code) holds ``text``, at most ``limit``; names starting with it first."""
    wanted = text.strip().lower()
    if len(wanted) < 2:
        return []
    starts, holds = [], []
    for code, name, above in desa_of(scope):
        low = name.lower()
        if low.startswith(wanted) or code.startswith(wanted):
            starts.append({"code": code, "name": name, "above": above})
        elif wanted in low:
            holds.append({"code": code, "name": name, "above": above})
        if len(starts) >= limit:
            break
    return (starts + holds)[:limit]
