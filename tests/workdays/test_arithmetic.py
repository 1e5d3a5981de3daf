"""Working days by the official calendar (DOMAIN.md §9, BASELINES.md "Calendar")."""

import time
from datetime import date, timedelta

import chinese_calendar
import pytest

from skilleval.workdays.arithmetic import (
    CalendarNotLoaded,
    WorkingCalendar,
    YearSchedule,
    schedules_from_dates,
)


def days(first: date, last: date) -> frozenset[date]:
    return frozenset(first + timedelta(days=i) for i in range((last - first).days + 1))


# Entered by hand from the 2026 notice, only the autumn part the check figure needs.
AUTUMN_2026 = YearSchedule(
    holidays=days(date(2026, 9, 25), date(2026, 9, 27)) | days(date(2026, 10, 1), date(2026, 10, 7)),
    workdays=frozenset({date(2026, 10, 10)}),
)

# The same data as the chinesecalendar package has, grouped by the year each date falls in.
OFFICIAL = schedules_from_dates(chinese_calendar.holidays, chinese_calendar.workdays)


def official(*years: int) -> WorkingCalendar:
    return WorkingCalendar({year: OFFICIAL[year] for year in years})


def test_the_package_stops_at_2026_so_2027_must_be_entered_by_staff():
    assert max(OFFICIAL) == 2026
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


@pytest.mark.parametrize("calendar", [WorkingCalendar({2026: AUTUMN_2026}), official(2026)])
def test_check_figure_20_working_days_after_mid_autumn_2026(calendar):
    assert calendar.add_working_days(date(2026, 9, 25), 20) == date(2026, 10, 29)
    assert calendar.working_days_between(date(2026, 9, 25), date(2026, 10, 29)) == 20


def test_monday_to_friday_counting_would_be_wrong():
    plain_weeks = WorkingCalendar({2026: YearSchedule()})
    assert plain_weeks.add_working_days(date(2026, 9, 25), 20) == date(2026, 10, 23)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 24), True),  # Thursday
        (date(2026, 9, 25), False),  # Mid-Autumn, a Friday
        (date(2026, 9, 28), True),
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),  # a Wednesday in National Day week
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # make-up Saturday
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 10, 17), False),  # ordinary Saturday
    ],
)
def test_is_working_day(day, working):
    assert WorkingCalendar({2026: AUTUMN_2026}).is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Spring Festival 2026: 2-15..2-23 off, Saturdays 2-14 and 2-28 worked.
        (date(2026, 2, 12), 1, date(2026, 2, 13)),
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 14), 1, date(2026, 2, 24)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 16), 1, date(2026, 2, 24)),  # from inside the holiday
        (date(2026, 2, 24), 4, date(2026, 2, 28)),
        (date(2026, 2, 27), 1, date(2026, 2, 28)),
        (date(2026, 2, 28), 1, date(2026, 3, 2)),
        # Starting on a holiday or a weekend counts from the next day.
        (date(2026, 10, 1), 1, date(2026, 10, 8)),
        (date(2026, 10, 3), 1, date(2026, 10, 8)),
        (date(2026, 10, 11), 1, date(2026, 10, 12)),
        # n = 0 is the day itself, working or not.
        (date(2026, 10, 1), 0, date(2026, 10, 1)),
        (date(2026, 10, 8), 0, date(2026, 10, 8)),
        (date(2026, 12, 31), 0, date(2026, 12, 31)),
        # New Year 2026: 1-1..1-3 off, Sunday 1-4 worked.
        (date(2025, 12, 31), 1, date(2026, 1, 4)),
        (date(2025, 12, 30), 2, date(2026, 1, 4)),
        (date(2025, 12, 1), 60, date(2026, 3, 2)),
    ],
)
def test_add_working_days(start, n, expected):
    assert official(2025, 2026).add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2024, 2, 28), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 1, date(2024, 3, 1)),
        (date(2024, 2, 29), 0, date(2024, 2, 29)),
        (date(2024, 2, 27), 3, date(2024, 3, 1)),
        # Spring Festival 2024: 2-10..2-17 off, Sunday 2-18 worked.
        (date(2024, 2, 9), 1, date(2024, 2, 18)),
        (date(2024, 2, 18), 1, date(2024, 2, 19)),
    ],
)
def test_leap_year(start, n, expected):
    calendar = official(2024)
    assert calendar.add_working_days(start, n) == expected
    assert calendar.is_working_day(date(2024, 2, 29))


def test_crossing_into_a_year_not_loaded_names_that_year():
    calendar = official(2026)
    with pytest.raises(CalendarNotLoaded) as excinfo:
        calendar.add_working_days(date(2026, 12, 20), 20)
    error = excinfo.value
    assert isinstance(error, LookupError)
    assert error.year == 2027
    assert str(error) == error.message_for("en") == "calendar for 2027 not loaded"
    assert error.message_zh == error.message_for("zh") == "2027 年的法定节假日安排尚未录入"


@pytest.mark.parametrize(
    ("call", "year"),
    [
        (lambda c: c.add_working_days(date(2026, 12, 31), 1), 2027),
        (lambda c: c.add_working_days(date(2027, 6, 1), 1), 2027),
        (lambda c: c.add_working_days(date(2025, 12, 30), 1), 2025),
        (lambda c: c.is_working_day(date(2027, 1, 4)), 2027),
        (lambda c: c.is_working_day(date(2025, 12, 31)), 2025),
        (lambda c: c.working_days_between(date(2026, 12, 1), date(2027, 1, 8)), 2027),
        (lambda c: c.working_days_between(date(2027, 1, 8), date(2026, 12, 1)), 2027),
        (lambda c: c.working_days_between(date(2025, 12, 1), date(2026, 1, 8)), 2025),
    ],
)
def test_a_missing_year_is_never_guessed(call, year):
    with pytest.raises(CalendarNotLoaded) as excinfo:
        call(official(2026))
    assert excinfo.value.year == year


def test_only_days_that_must_be_inspected_need_a_calendar():
    calendar = official(2026)
    # The first day inspected is 2026-01-01, so 2025 is not needed.
    assert calendar.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 4)
    assert calendar.working_days_between(date(2025, 12, 31), date(2026, 1, 5)) == 2
    assert calendar.working_days_between(date(2027, 3, 1), date(2027, 3, 1)) == 0


def test_working_days_between():
    calendar = official(2025, 2026)
    assert calendar.working_days_between(date(2026, 9, 25), date(2026, 9, 25)) == 0
    assert calendar.working_days_between(date(2026, 10, 29), date(2026, 9, 25)) == -20
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert (
        calendar.working_days_between(date(2025, 1, 1), date(2025, 12, 31)) == 248
    )  # 1-1 is a holiday anyway
    assert calendar.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 248


def test_add_and_between_agree():
    calendar = official(2024, 2025, 2026)
    start = date(2024, 1, 1)
    for offset in range(0, 700, 5):
        day = start + timedelta(days=offset)
        for n in (0, 1, 2, 5, 20, 30, 60):
            assert calendar.working_days_between(day, calendar.add_working_days(day, n)) == n


def test_agrees_with_the_package_over_every_year_it_covers():
    calendar = WorkingCalendar(OFFICIAL)
    covered = days(date(2004, 1, 1), date(2026, 12, 31))
    package = {day: chinese_calendar.is_workday(day) for day in covered}
    for day in covered:
        assert calendar.is_working_day(day) is package[day], day
    for day in sorted(covered)[:-60:5]:  # counted the slow way, day by day
        expected, step = day, 0
        while step < 20:
            expected += timedelta(days=1)
            step += package[expected]
        assert calendar.add_working_days(day, 20) == expected, day


def test_negative_n_is_refused():
    with pytest.raises(ValueError, match="0 or more"):
        official(2026).add_working_days(date(2026, 3, 2), -1)


def test_a_day_cannot_be_both_holiday_and_workday():
    with pytest.raises(ValueError, match="both"):
        YearSchedule(holidays=frozenset({date(2026, 10, 10)}), workdays=frozenset({date(2026, 10, 10)}))


def test_a_schedule_holds_only_dates_of_its_year():
    # 2018-12-29 was worked by the 2019 notice, but it belongs to 2018.
    with pytest.raises(ValueError, match="another year"):
        WorkingCalendar({2019: YearSchedule(workdays=frozenset({date(2018, 12, 29)}))})
    assert OFFICIAL[2018].workdays >= {date(2018, 12, 29)}
    assert official(2018).is_working_day(date(2018, 12, 29))


def test_schedules_accept_any_iterable_and_stay_immutable():
    schedule = YearSchedule(holidays=[date(2026, 1, 1)], workdays=(date(2026, 1, 4),))
    assert schedule.holidays == frozenset({date(2026, 1, 1)})
    assert isinstance(schedule.workdays, frozenset)
    assert WorkingCalendar({2026: schedule, 2025: YearSchedule()}).years == [2025, 2026]


def test_adding_working_days_takes_microseconds():
    calendar = official(2025, 2026)
    starts = [date(2025, 1, 1) + timedelta(days=i) for i in range(0, 600, 3)]
    rounds = 50
    began = time.perf_counter()
    for _ in range(rounds):
        for start in starts:
            calendar.add_working_days(start, 60)
    per_call = (time.perf_counter() - began) / (rounds * len(starts))
    assert per_call < 50e-6  # generous for a slow CI machine; typically ~1 µs
