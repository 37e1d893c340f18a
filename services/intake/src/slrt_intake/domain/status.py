"""The citizens' status look-up, pure: what a citizen is told (the next step, in their words), whether the pair
they gave matches, and how misses lock a case number. No I/O.

A pair matches when the case has a phone (not erased) whose last four digits are the ones given; the digits are
compared in constant time. Misses are counted per case number, whether a case has that number or not (so the
lock says nothing about which numbers exist): ``misses_before_lock`` misses within ``window`` lock the number
for ``lock``, during which every answer about it is the same refusal, the right pair's too. A right pair does
not reset the count: resetting would tell someone counting misses that the case's owner just looked.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from slrt_contracts.codes import CaseStatus, Level

#: What stands for the last four digits of a case without a phone (absent, or erased): no four digits equal it.
NO_DIGITS = b"----"


class NextStepCode(StrEnum):
    AWAITING_REFERRAL = "awaiting_referral"
    AWAITING_OWNER = "awaiting_owner"
    HANDLED_BY_OWNER = "handled_by_owner"
    ESCALATED_TO_KECAMATAN = "escalated_to_kecamatan"
    ESCALATED_TO_KABUPATEN = "escalated_to_kabupaten"
    RESOLVED = "resolved"
    CLOSED = "closed"


_COMPLAINT_ID = ("Jika hasilnya belum sesuai, Anda dapat mengajukan pengaduan di Puskesos atau kantor SLRT dengan "
                 "nomor kasus ini.")
_COMPLAINT_EN = "If the outcome is not right, you can file a complaint at the Puskesos or SLRT office with this " \
                "case number."

#: Each code's words: Bahasa Indonesia, English.
WORDS: dict[NextStepCode, tuple[str, str]] = {
    NextStepCode.AWAITING_REFERRAL: (
        "Kasus Anda sudah terdaftar dan sedang dirujuk ke pemilik program yang berwenang.",
        "Your case is registered and is being referred to the programme owner responsible."),
    NextStepCode.AWAITING_OWNER: (
        "Kasus Anda sudah dirujuk ke pemilik program dan menunggu tanggapannya.",
        "Your case was referred to the programme owner and awaits their answer."),
    NextStepCode.HANDLED_BY_OWNER: (
        "Pemilik program sedang menangani kasus Anda.",
        "The programme owner is handling your case."),
    NextStepCode.ESCALATED_TO_KECAMATAN: (
        "Kasus Anda dinaikkan ke tingkat kecamatan dan kini ditangani di sana.",
        "Your case was escalated to the kecamatan and is now handled there."),
    NextStepCode.ESCALATED_TO_KABUPATEN: (
        "Kasus Anda dinaikkan ke tingkat kabupaten/kota dan kini ditangani di sana.",
        "Your case was escalated to the kabupaten/kota and is now handled there."),
    NextStepCode.RESOLVED: (f"Kasus Anda sudah selesai ditangani. {_COMPLAINT_ID}",
                            f"Your case is resolved. {_COMPLAINT_EN}"),
    NextStepCode.CLOSED: (f"Kasus Anda sudah ditutup. {_COMPLAINT_ID}", f"Your case is closed. {_COMPLAINT_EN}"),
}

_LADDER = (Level.DESA, Level.KECAMATAN, Level.KABUPATEN, Level.PROVINSI, Level.NASIONAL)
_WHILE_OPEN = {CaseStatus.REGISTERED: NextStepCode.AWAITING_REFERRAL, CaseStatus.REFERRED: NextStepCode.AWAITING_OWNER,
               CaseStatus.IN_PROGRESS: NextStepCode.HANDLED_BY_OWNER}


@dataclass(frozen=True)
class NextStep:
    code: NextStepCode
    id: str
    en: str

    @classmethod
    def of(cls, code: NextStepCode) -> NextStep:
        words_id, words_en = WORDS[code]
        return cls(code, words_id, words_en)


def next_step(status: CaseStatus, level: Level, start_level: Level) -> NextStep:
    """What happens next to a case, for the citizen. A resolved or closed case says so (and that a complaint
    reopens it); an open case that moved above the level it started at says where it went (routing's ladder ends
    at kabupaten); otherwise its status says whom it waits for."""
    if status is CaseStatus.RESOLVED:
        return NextStep.of(NextStepCode.RESOLVED)
    if status is CaseStatus.CLOSED:
        return NextStep.of(NextStepCode.CLOSED)
    if _LADDER.index(level) > _LADDER.index(start_level):
        return NextStep.of(NextStepCode.ESCALATED_TO_KECAMATAN if level is Level.KECAMATAN
                           else NextStepCode.ESCALATED_TO_KABUPATEN)
    return NextStep.of(_WHILE_OPEN[status])


def last4_of(phone: str | None) -> bytes:
    """The last four digits of a stored phone (``+62...``), or ``NO_DIGITS`` when there is none."""
    digits = "".join(c for c in phone or "" if c.isascii() and c.isdigit())
    return digits[-4:].encode() if len(digits) >= 4 else NO_DIGITS


def matches(*, found: bool, phone: str | None, erased: bool, last4: str) -> bool:
    """Whether the pair given names this case: the digits are compared in constant time, whatever else is true,
    so an unknown case, a case without a phone, an erased one and wrong digits take the same work."""
    same = hmac.compare_digest(last4_of(phone), last4.encode())
    return same & found & (not erased)


@dataclass(frozen=True)
class LockRules:
    misses_before_lock: int
    window: timedelta
    lock: timedelta


@dataclass(frozen=True)
class Misses:
    """A case number's misses: how many since ``window_started_at``, and until when it is locked."""

    count: int
    window_started_at: datetime
    locked_until: datetime | None = None


def locked_for(misses: Misses | None, now: datetime) -> float:
    """Seconds until the case number may be asked about again; 0 when it is not locked."""
    if misses is None or misses.locked_until is None or misses.locked_until <= now:
        return 0.0
    return (misses.locked_until - now).total_seconds()


def after_miss(misses: Misses | None, now: datetime, rules: LockRules) -> Misses:
    """The count after one more miss of a number that is not locked now. A window that ran out starts again at
    this miss; the miss that reaches ``misses_before_lock`` locks the number for ``lock``, and counting starts
    afresh."""
    if misses is None or now >= misses.window_started_at + rules.window:
        count, started = 1, now
    else:
        count, started = misses.count + 1, misses.window_started_at
    if count >= rules.misses_before_lock:
        return Misses(0, now, now + rules.lock)
    return Misses(count, started)
