"""SMS length: GSM-7 (160 characters a segment, 153 when concatenated) or UCS-2 (70 / 67)."""

from __future__ import annotations

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
MAX_SEGMENTS = 2


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text)


def units(text: str) -> int:
    """Septets for GSM-7 (extended characters count twice), characters for UCS-2."""
    if is_gsm7(text):
        return sum(2 if c in GSM7_EXTENDED else 1 for c in text)
    return len(text)


def segments(text: str) -> int:
    single, multi = (160, 153) if is_gsm7(text) else (70, 67)
    n = units(text)
    return 1 if n <= single else -(-n // multi)


def fit(text: str, max_segments: int = MAX_SEGMENTS) -> str:
    """Shorten ``text`` to at most ``max_segments`` segments, ending with an ellipsis when cut."""
    if segments(text) <= max_segments:
        return text
    cut = text
    while segments(cut + "...") > max_segments:
        cut = cut[:-1]
    return cut.rstrip() + "..."
