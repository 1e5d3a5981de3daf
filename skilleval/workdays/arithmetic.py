"""Working days by the official Chinese calendar (the State Council's yearly holiday notice).

A day is a working day when it is Monday–Friday and not an official holiday, or when it is an official
make-up workday (调休). The schedules are data entered by staff each year; a year that is not loaded is
never guessed, because Monday-to-Friday counting is wrong around every long holiday (BASELINES.md
"Calendar": 20 working days after 2026-09-25 is 2026-10-29, not 2026-10-23).

Used for the publication deadline of results (DOMAIN.md §9: 20 working days, 30 with marking). Pure Python
(no Django): the caller loads the schedules and keeps the calendar.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta


class CalendarNotLoaded(LookupError):
    """The official schedule of `year` has not been entered."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year
        self.message_en = f"calendar for {year} not loaded"
        self.message_zh = f"{year} 年的法定节假日安排尚未录入"

    def __str__(self) -> str:
        return self.message_en

    def message_for(self, lang: str) -> str:
        return self.message_en if lang.lower().startswith("en") else self.message_zh


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """The official days off and make-up workdays falling in one calendar year.

    Dates are filed under the year they fall in, not the notice that announced them: the notice for year Y+1
    can change the end of December of Y (2011-12-31 and 2018-12-29 were make-up workdays, 2022-12-31 a
    holiday), so Y's schedule is amended when that notice is published.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterable (a list from a form or a query) but keep the value immutable.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"both a holiday and a make-up workday: {sorted(both)}")


def _working_ordinals(year: int, schedule: YearSchedule) -> list[int]:
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    holidays = {d.toordinal() for d in schedule.holidays}
    workdays = {d.toordinal() for d in schedule.workdays}
    # date.fromordinal(n).weekday() == (n - 1) % 7, Monday being 0.
    return [n for n in range(first, last + 1) if n in workdays or ((n - 1) % 7 < 5 and n not in holidays)]


class WorkingCalendar:
    """Working-day arithmetic over the loaded years.

    Each year is precomputed once as a sorted list of working-day ordinals, so adding n working days is a
    binary search and an index, whatever n and however many holidays lie in between.
    """

    def __init__(self, schedules: Mapping[int, YearSchedule]) -> None:
        self._working: dict[int, list[int]] = {}
        self._working_set: dict[int, frozenset[int]] = {}
        for year, schedule in schedules.items():
            strays = sorted(d for d in schedule.holidays | schedule.workdays if d.year != year)
            if strays:
                raise ValueError(f"the schedule for {year} holds dates of another year: {strays}")
            ordinals = _working_ordinals(year, schedule)
            self._working[year] = ordinals
            self._working_set[year] = frozenset(ordinals)

    @property
    def years(self) -> list[int]:
        return sorted(self._working)

    def _year(self, year: int) -> list[int]:
        try:
            return self._working[year]
        except KeyError:
            raise CalendarNotLoaded(year) from None

    def is_working_day(self, d: date) -> bool:
        try:
            return d.toordinal() in self._working_set[d.year]
        except KeyError:
            raise CalendarNotLoaded(d.year) from None

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day strictly after `d`; `d` itself when n = 0 (even if `d` is a holiday)."""
        if n < 0:
            raise ValueError("n must be 0 or more")
        if n == 0:
            return d
        start = d + timedelta(days=1)
        year = start.year
        ordinals = self._year(year)
        index = bisect_left(ordinals, start.toordinal()) + n - 1
        while index >= len(ordinals):
            index -= len(ordinals)
            year += 1
            ordinals = self._year(year)
        return date.fromordinal(ordinals[index])

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b], so that `working_days_between(d, add_working_days(d, n)) == n`.

        Negative when b is before a.
        """
        if b < a:
            return -self.working_days_between(b, a)
        if a == b:
            return 0
        start = a + timedelta(days=1)
        low, high = start.toordinal(), b.toordinal()
        count = 0
        for year in range(start.year, b.year + 1):
            ordinals = self._year(year)
            count += bisect_right(ordinals, high) - bisect_left(ordinals, low)
        return count


def schedules_from_dates(holidays: Iterable[date], workdays: Iterable[date]) -> dict[int, YearSchedule]:
    """Group flat lists of official dates into per-year schedules (e.g. from a seed file or a package).

    Only years that hold at least one date appear; a year without any official date is not assumed.
    """
    years: dict[int, tuple[set[date], set[date]]] = {}
    for d in holidays:
        years.setdefault(d.year, (set(), set()))[0].add(d)
    for d in workdays:
        years.setdefault(d.year, (set(), set()))[1].add(d)
    return {y: YearSchedule(holidays=frozenset(h), workdays=frozenset(w)) for y, (h, w) in years.items()}
