"""Working days (hari kerja) for SLA clocks, counted in the desa's time zone (WIB, WITA, WIT).

Saturdays, Sundays, national holidays and cuti bersama are days off. For the years the ``lokal-id``
package carries the official decrees (SKB cuti bersama; 2026-2027 today) they come from there; for other
years the ``holidays`` package computes the Indonesian national holidays (its dates for Islamic holidays
are estimates, and it knows no cuti bersama): deadlines in those years are indicative until the package
with that year's decree is installed.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import lokal


@lru_cache(maxsize=64)
def _computed_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays("ID", years=year).keys())


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    if day.weekday() >= 5:
        return False
    if day.year in lokal.HOLIDAY_YEARS:
        return bool(lokal.is_working_day(day, cuti_bersama=True))
    return day not in _computed_holidays(day.year)


@lru_cache(maxsize=4096)
def add_working_days(day: date, n: int) -> date:
    """The date ``n`` working days after ``day`` (``day`` itself is not counted). Remembered: every referral of
    a day asks the same few questions of the calendar."""
    left = n
    d = day
    while left > 0:
        d += timedelta(days=1)
        if is_working_day(d):
            left -= 1
    return d


def deadline_after(start: datetime, working_days: int, tz: ZoneInfo) -> datetime:
    """``working_days`` working days after ``start``, at the same local time of day.

    A clock started on a day off starts at 08:00 of the next working day.
    """
    local = start.astimezone(tz)
    day, at = local.date(), local.timetz().replace(tzinfo=None)
    if not is_working_day(day):
        day = add_working_days(day, 1)
        at = time(8, 0)
    return datetime.combine(add_working_days(day, working_days), at, tz)
