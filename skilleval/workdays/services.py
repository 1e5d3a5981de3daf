"""Loading and editing the official calendar, and the working-day arithmetic callers use (DOMAIN.md §9)."""

from datetime import date

import chinese_calendar
from django.db import transaction
from django.utils.translation import gettext as _

from skilleval.audit.services import record
from skilleval.core.errors import DomainError
from skilleval.workdays.arithmetic import CalendarNotLoaded, WorkingCalendar, YearSchedule
from skilleval.workdays.models import CalendarDay, CalendarYear

__all__ = ["CalendarNotLoaded", "add_working_days", "enter_year", "load_package_calendar", "working_calendar"]

# The package names days in English; staff read them in Chinese.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _package_years() -> range:
    covered = [d.year for d in chinese_calendar.holidays]
    return range(min(covered), max(covered) + 1)


def load_package_calendar(*, by) -> list[int]:
    """Seed every year the maintained package covers and we do not have yet. Years entered by staff are
    never overwritten by the package."""
    existing = set(CalendarYear.objects.values_list("year", flat=True))
    loaded = []
    with transaction.atomic():
        for year in _package_years():
            if year in existing:
                continue
            days = [
                (d, CalendarDay.Kind.HOLIDAY, HOLIDAY_NAMES_ZH.get(name, name))
                for d, name in chinese_calendar.holidays.items()
                if d.year == year
            ] + [
                (d, CalendarDay.Kind.WORKDAY, HOLIDAY_NAMES_ZH.get(name, name))
                for d, name in chinese_calendar.workdays.items()
                if d.year == year
            ]
            _store_year(year, days, source=CalendarYear.Source.PACKAGE, reference="chinesecalendar")
            loaded.append(year)
        if loaded:
            record(by, "workdays.calendar.load", ("workdays.calendaryear", loaded[-1]), {"years": loaded})
    return loaded


def enter_year(
    year: int,
    *,
    holidays: list[tuple[date, str]],
    workdays: list[tuple[date, str]],
    reference: str,
    by,
) -> CalendarYear:
    """Staff enter (or correct) a year's official schedule from the State Council's notice."""
    days = [(d, CalendarDay.Kind.HOLIDAY, n) for d, n in holidays] + [
        (d, CalendarDay.Kind.WORKDAY, n) for d, n in workdays
    ]
    wrong_year = sorted(d for d, _kind, _name in days if d.year != year)
    if wrong_year:
        raise DomainError(
            _("These dates are not in %(year)s: %(dates)s") % {"year": year, "dates": wrong_year}
        )
    clash = {d for d, _n in holidays} & {d for d, _n in workdays}
    if clash:
        raise DomainError(
            _("A day cannot be both a holiday and a make-up working day: %(dates)s")
            % {"dates": sorted(clash)}
        )
    if not holidays:
        raise DomainError(_("An official schedule always has holidays; none were given."))
    with transaction.atomic():
        CalendarYear.objects.filter(year=year).delete()
        calendar_year = _store_year(year, days, source=CalendarYear.Source.STAFF, reference=reference)
        record(
            by,
            "workdays.calendar.enter",
            calendar_year,
            {"holidays": len(holidays), "workdays": len(workdays)},
        )
    return calendar_year


def _store_year(year: int, days, *, source: str, reference: str) -> CalendarYear:
    calendar_year = CalendarYear.objects.create(year=year, source=source, reference=reference, complete=True)
    CalendarDay.objects.bulk_create(
        CalendarDay(year=calendar_year, date=d, kind=kind, name=name) for d, kind, name in sorted(days)
    )
    return calendar_year


def working_calendar() -> WorkingCalendar:
    """The calendar of every complete year. Build it once per job or request and reuse it."""
    schedules: dict[int, tuple[set, set]] = {
        y: (set(), set()) for y in CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
    }
    for d, kind, year in CalendarDay.objects.filter(year__complete=True).values_list(
        "date", "kind", "year__year"
    ):
        schedules[year][0 if kind == CalendarDay.Kind.HOLIDAY else 1].add(d)
    return WorkingCalendar({y: YearSchedule(holidays=h, workdays=w) for y, (h, w) in schedules.items()})


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start`; raises CalendarNotLoaded rather than guess."""
    return working_calendar().add_working_days(start, n)
