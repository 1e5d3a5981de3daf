"""Results deadlines (DOMAIN.md §9) and validity (§10) across holidays, make-up workdays, year ends and leap
days; a deadline in a year whose calendar is not loaded is unknown, with the reason, never guessed."""

from datetime import date

import pytest

from skilleval.results.services import board, results_deadline, years_later
from skilleval.scheduling.models import ExamSession
from skilleval.workdays.models import CalendarYear
from tests.results.conftest import exam_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def earlier_rules(calendar, admin_alice):
    """The 2026 notice's policies are in force from 2026; the same rules for earlier exam dates."""
    from skilleval.organization.services import set_policy

    for key, value in [("results.deadline_working_days", 20), ("results.deadline_working_days_marking", 30)]:
        set_policy(key, value, effective_from=date(2020, 1, 1), by=admin_alice)


def test_twenty_working_days_skip_the_national_day_week_and_count_its_make_up_saturday(earlier_rules):
    # 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are workdays (State Council notice).
    assert results_deadline(date(2025, 9, 26), marking=False).due == date(2025, 10, 30)
    assert results_deadline(date(2025, 9, 26), marking=True).due == date(2025, 11, 13)  # 30 with marking


def test_the_spring_festival_is_skipped(earlier_rules):
    # 2024: 10–17 February off, Sundays 4 and 18 February workdays: Fri 9 (1), Sun 18 (2) … 13 March (20).
    assert results_deadline(date(2024, 2, 8), marking=False).due == date(2024, 3, 13)


def test_a_deadline_in_a_year_not_loaded_is_unknown_with_its_reason(calendar):
    CalendarYear.objects.filter(year__gte=2027).delete()
    deadline = results_deadline(date(2026, 12, 20), marking=False)
    assert deadline.due is None and "2027" in deadline.problem
    assert results_deadline(date(2026, 11, 2), marking=False).due == date(2026, 11, 30)


def test_validity_counts_whole_years_from_the_original_exam_and_a_leap_day_lands_on_28_february():
    assert years_later(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert years_later(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert years_later(date(2025, 12, 31), 3) == date(2028, 12, 31)


def test_the_board_puts_overdue_sessions_first_and_unknown_deadlines_last(held, programmer_l4):
    CalendarYear.objects.filter(year__gte=2027).delete()
    _item, _applications, held_sessions = held  # 2026-11-18: due 2026-12-16
    overdue = exam_day(programmer_l4, [], day=date(2026, 9, 1), name="长宁考点")  # due 2026-09-29
    unknown = exam_day(programmer_l4, [], day=date(2026, 12, 21), name="徐汇考点")  # due in 2027: not loaded
    rows = board(on=date(2026, 12, 22))
    order = [r.session.pk for r in rows]
    assert order == [
        overdue["theory"].pk,
        overdue["practical"].pk,
        held_sessions["theory"].pk,
        held_sessions["practical"].pk,
        unknown["theory"].pk,
        unknown["practical"].pk,
    ]
    assert rows[0].days_left < 0 and rows[2].deadline.due == date(2026, 12, 16) and rows[2].days_left < 0
    assert (
        rows[-1].deadline.due is None and rows[-1].days_left is None and "2027" in rows[-1].deadline.problem
    )
    assert (rows[2].seated, rows[2].entered, rows[2].published) == (3, 0, 0)
    assert ExamSession.objects.filter(date=date(2026, 12, 21)).count() == 2
