"""Working days: weekends, national holidays and cuti bersama skipped, in the desa's time zone."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from slrt_routing.domain.calendar import add_working_days, deadline_after, is_working_day

WIB = ZoneInfo("Asia/Jakarta")
WIT = ZoneInfo("Asia/Jayapura")


def test_weekends_are_days_off() -> None:
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert not is_working_day(date(2026, 11, 22))  # Sunday
    assert is_working_day(date(2026, 11, 23))


def test_three_working_days_from_a_monday() -> None:
    assert add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 26)


def test_a_deadline_across_lebaran_2026_skips_the_holidays_and_cuti_bersama() -> None:
    # Idul Fitri 1447 H: 20-21 March 2026, with Nyepi (19 March) and cuti bersama around them.
    start = datetime(2026, 3, 17, 9, 30, tzinfo=WIB)
    deadline = deadline_after(start, 3, WIB)
    skipped = [d for d in range(18, 25) if not is_working_day(date(2026, 3, d))]
    assert len(skipped) >= 5, skipped  # far more than the weekend alone
    assert deadline.date() > date(2026, 3, 20)
    assert deadline.timetz().replace(tzinfo=None) == start.timetz().replace(tzinfo=None)
    working_between = [d for d in range(18, deadline.day + 1) if is_working_day(date(2026, 3, d))]
    assert len(working_between) == 3


def test_christmas_and_new_year_2027_are_off_and_counted_past() -> None:
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 23), 2) > date(2026, 12, 28)


def test_years_beyond_the_decrees_use_computed_holidays() -> None:
    assert not is_working_day(date(2029, 8, 17))  # Friday
    assert is_working_day(date(2029, 8, 16))


def test_a_clock_started_on_a_day_off_starts_next_working_morning() -> None:
    saturday = datetime(2026, 11, 21, 15, 0, tzinfo=WIB)
    assert deadline_after(saturday, 3, WIB) == datetime(2026, 11, 26, 8, 0, tzinfo=WIB)


def test_time_zone_decides_the_day() -> None:
    # 18:00 UTC on Friday is already Saturday 03:00 in Papua (WIT) but still Friday evening... in WIB it is 01:00 Sat
    friday_evening_utc = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # 20:00 WIB Friday, 22:00 WIT Friday
    assert deadline_after(friday_evening_utc, 1, WIB).date() == date(2026, 11, 23)
    late = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 23:00 WIB Friday, 01:00 WIT Saturday
    assert deadline_after(late, 1, WIB).date() == date(2026, 11, 23)
    assert deadline_after(late, 1, WIT) == datetime(2026, 11, 24, 8, 0, tzinfo=WIT)
