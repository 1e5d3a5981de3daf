"""The official calendar as stored data (DOMAIN.md §9; issue 2 item 6)."""

from datetime import date

import pytest

from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from skilleval.workdays.models import CalendarDay, CalendarYear
from skilleval.workdays.services import (
    CalendarNotLoaded,
    add_working_days,
    enter_year,
    load_package_calendar,
    working_calendar,
)

pytestmark = pytest.mark.django_db

# The State Council's 2027 schedule as staff would type it (a made-up but well-formed example).
HOLIDAYS_2027 = [(date(2027, 1, 1), "元旦"), *[(date(2027, 2, d), "春节") for d in range(6, 13)]]
WORKDAYS_2027 = [(date(2027, 2, 14), "春节")]


def test_years_the_package_covers_are_seeded_once():
    loaded = load_package_calendar(by=None)
    assert 2026 in loaded and 2025 in loaded
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert load_package_calendar(by=None) == []
    assert AuditEntry.objects.filter(action="workdays.calendar.load").count() == 1


def test_the_baseline_check_figure_through_the_stored_calendar():
    load_package_calendar(by=None)
    # Mid-Autumn 9-25..27, National Day 10-01..07, Saturday 10-10 a make-up workday (BASELINES.md).
    assert add_working_days(date(2026, 9, 25), 20) == date(2026, 10, 29)


def test_a_year_without_official_data_is_an_error_not_a_guess():
    load_package_calendar(by=None)
    with pytest.raises(CalendarNotLoaded) as caught:
        add_working_days(date(2026, 12, 20), 20)
    assert caught.value.year == 2027
    assert "2027" in caught.value.message_for("zh-hans") and "尚未录入" in caught.value.message_for("zh-hans")


def test_staff_enter_the_next_year_and_deadlines_cross_into_it(admin_alice):
    load_package_calendar(by=None)
    enter_year(
        2027,
        holidays=HOLIDAYS_2027,
        workdays=WORKDAYS_2027,
        reference="国办发明电〔2026〕X号",
        by=admin_alice,
    )
    calendar = working_calendar()
    assert not calendar.is_working_day(date(2027, 2, 8))  # Spring Festival Monday
    assert calendar.is_working_day(date(2027, 2, 14))  # Sunday made a working day
    # From Friday 2026-12-25: 12-28..31 (4), 2027-01-04..08 (5), 01-11 is the 10th.
    assert add_working_days(date(2026, 12, 25), 10) == date(2027, 1, 11)
    year = CalendarYear.objects.get(year=2027)
    assert year.source == CalendarYear.Source.STAFF and year.complete
    assert AuditEntry.objects.get(action="workdays.calendar.enter").actor_label == "alice"


def test_re_entering_a_year_replaces_its_days(admin_alice):
    enter_year(2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, reference="draft", by=admin_alice)
    enter_year(2027, holidays=HOLIDAYS_2027[:1], workdays=[], reference="corrected", by=admin_alice)
    assert CalendarDay.objects.filter(year__year=2027).count() == 1
    assert CalendarYear.objects.get(year=2027).reference == "corrected"


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ([(date(2028, 1, 1), "元旦")], [], "not in 2027"),
        ([(date(2027, 1, 1), "元旦")], [(date(2027, 1, 1), "元旦")], "both a holiday"),
        ([], [(date(2027, 2, 14), "春节")], "none were given"),
    ],
)
def test_entering_a_year_refuses_inconsistent_schedules(admin_alice, holidays, workdays, message):
    from django.utils import translation

    with translation.override("en"), pytest.raises(DomainError, match=message):
        enter_year(2027, holidays=holidays, workdays=workdays, reference="x", by=admin_alice)
    assert not CalendarYear.objects.filter(year=2027).exists()
