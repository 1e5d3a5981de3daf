"""How durations, relatedness and "will hold from" are decided (DOMAIN.md §3, "How durations count").

Periods count both their first and last day; "N years" is 365 × N such days.
"""

from datetime import date, timedelta

from skilleval.eligibility.engine import (
    Certificate,
    Education,
    EducationLevel,
    OccupationFacts,
    Profile,
    SchoolKind,
    Title,
    TitleGrade,
    WorkPeriod,
    evaluate,
)
from skilleval.eligibility.engine.durations import add_years, age_on, days_on_or_after, merge

d = date.fromisoformat
REF = d("2026-03-15")
AI_TRAINER = OccupationFacts(
    code="4-04-05-05",
    min_education=EducationLevel.JUNIOR_MIDDLE,
    related_occupations=frozenset({"4-04-05-01"}),
    related_majors=frozenset({"人工智能"}),
    offered_levels=frozenset({4, 3}),
)
FIVE_YEARS = 5 * 365


def days_before(n: int) -> date:
    return REF - timedelta(days=n)


def job(start: date, end: date | None = None, *, occupation: str = "4-04-05-05", related=None) -> WorkPeriod:
    return WorkPeriod(occupation=occupation, related=related, start=start, end=end)


def cert(level: int, issued_on: date, *, occupation: str = "4-04-05-05", related=None) -> Certificate:
    return Certificate(occupation=occupation, related=related, level=level, issued_on=issued_on)


def result(condition_id: str, *, reference_date: date = REF, **fields):
    profile = Profile(birth_date=d("1985-01-01"), **fields)
    verdict = evaluate(profile, AI_TRAINER, int(condition_id[1]), reference_date)
    return next(r for r in verdict.conditions if r.id == condition_id)


# --- the arithmetic -------------------------------------------------------------------------------


def test_overlapping_spans_merge_and_adjacent_ones_join():
    assert merge([(10, 20), (1, 5), (15, 30), (6, 8), (40, 40)]) == [(1, 8), (10, 30), (40, 40)]


def test_days_on_or_after_clips_spans_to_start_on_the_day():
    merged = [(1, 10), (21, 30)]

    assert days_on_or_after(merged, 0) == 20
    assert days_on_or_after(merged, 5) == 16
    assert days_on_or_after(merged, 15) == 10
    assert days_on_or_after(merged, 30) == 1
    assert days_on_or_after(merged, 31) == 0


def test_someone_born_on_29_february_ages_on_1_march_in_a_common_year():
    born = d("2008-02-29")

    assert add_years(born, 16) == d("2024-02-29")
    assert add_years(born, 17) == d("2025-03-01")
    assert age_on(born, d("2025-02-28")) == 16
    assert age_on(born, d("2025-03-01")) == 17


# --- merging --------------------------------------------------------------------------------------


def test_two_jobs_at_once_count_once():
    # 2020-01-01 .. 2023-12-31 when merged: 366 + 365 + 365 + 365 days
    work = (
        job(d("2020-01-01"), d("2022-12-31")),
        job(d("2021-01-01"), d("2023-12-31"), occupation="4-04-05-01"),
    )

    outcome = result("L4-1", work=work)

    assert not outcome.met
    assert "工作累计 4 年 1 天，需满 5 年" in outcome.reason.render("zh-hans")


def test_consecutive_jobs_add_up():
    work = (job(d("2015-01-01"), d("2017-12-31")), job(d("2018-01-01"), d("2019-12-31")))

    assert result("L4-1", work=work).met  # 1826 days


# --- 365 × N days ---------------------------------------------------------------------------------


def test_exactly_five_times_365_days_is_five_years():
    start = d("2016-03-01")
    end = start + timedelta(days=FIVE_YEARS - 1)  # both ends count

    assert result("L4-1", work=(job(start, end),)).met
    assert not result("L4-1", work=(job(start, end - timedelta(days=1)),)).met


def test_an_open_period_ends_on_the_reference_date_which_counts():
    held = result("L4-1", work=(job(days_before(FIVE_YEARS - 1)),))
    short = result("L4-1", work=(job(days_before(FIVE_YEARS - 2)),))

    assert held.met
    assert held.met_from is None
    assert not short.met
    assert short.met_from == REF + timedelta(days=1)


def test_work_that_starts_after_the_reference_date_does_not_count():
    outcome = result("L5-2", work=(job(REF + timedelta(days=1)),))

    assert not outcome.met
    assert outcome.reason.render("en") == "L5-2 is not met: no work in this or a related occupation recorded."


# --- "after X" ------------------------------------------------------------------------------------


def test_work_after_a_certificate_counts_from_its_issue_day():
    work = (job(d("2010-01-01")),)
    four_years = 4 * 365

    assert result("L3-2", work=work, certificates=(cert(4, days_before(four_years - 1)),)).met
    short = result("L3-2", work=work, certificates=(cert(4, days_before(four_years - 2)),))
    assert not short.met
    assert short.met_from == REF + timedelta(days=1)


def test_work_before_the_certificate_does_not_count_after_it():
    outcome = result(
        "L4-2", work=(job(d("2010-01-01"), d("2020-12-31")),), certificates=(cert(5, d("2021-01-01")),)
    )

    assert not outcome.met
    assert outcome.met_from is None  # no work goes on
    assert (
        "2021-01-01 取得五级/初级工证书后，本职业或相关职业工作累计 0 天，需满 3 年"
        in outcome.reason.render("zh-hans")
    )


def test_a_higher_certificate_serves_and_the_clock_runs_from_the_one_used():
    work = (job(d("2015-07-01")),)
    certificates = (cert(4, d("2024-01-01")), cert(3, d("2021-01-01")))

    outcome = result("L3-2", work=work, certificates=certificates)

    assert outcome.met
    assert "2021-01-01 取得三级/高级工证书后" in outcome.reason.render("zh-hans")


def test_a_lower_certificate_does_not_serve_for_a_higher_one():
    outcome = result("L2-1", work=(job(d("2010-01-01")),), certificates=(cert(4, d("2011-01-01")),))

    assert not outcome.met


def test_a_certificate_issued_after_the_reference_date_is_not_held_yet():
    outcome = result("L3-5", certificates=(cert(4, REF + timedelta(days=1)),), education=())

    assert "没有本职业或相关职业四级/中级工或更高等级的证书" in outcome.reason.render("zh-hans")


# --- titles ---------------------------------------------------------------------------------------


def test_a_higher_title_satisfies_a_lower_one():
    titles = (Title(grade=TitleGrade.SENIOR, matches=True, obtained_on=d("2020-01-01")),)

    assert result("L3-3", work=(job(d("2015-01-01")),), titles=titles).met
    assert result("L2-3", work=(job(d("2015-01-01")),), titles=titles).met


def test_the_earliest_matching_title_is_the_best_anchor():
    titles = (
        Title(grade=TitleGrade.INTERMEDIATE, matches=True, obtained_on=d("2025-06-01")),
        Title(grade=TitleGrade.JUNIOR, matches=True, obtained_on=d("2019-01-01")),
    )

    outcome = result("L3-3", work=(job(d("2015-01-01")),), titles=titles)

    assert outcome.met
    assert "2019-01-01 取得初级职称后" in outcome.reason.render("zh-hans")


def test_a_title_not_confirmed_as_matching_does_not_count_and_says_so():
    titles = (Title(grade=TitleGrade.JUNIOR, matches=None, obtained_on=d("2019-01-01")),)

    outcome = result("L3-3", work=(job(d("2015-01-01")),), titles=titles)

    assert not outcome.met
    assert "需经审核确认" in outcome.reason.render("zh-hans")


def test_a_title_that_does_not_match_does_not_count():
    titles = (Title(grade=TitleGrade.JUNIOR, matches=False, obtained_on=d("2019-01-01")),)

    outcome = result("L3-3", work=(job(d("2015-01-01")),), titles=titles)

    assert not outcome.met
    assert "不符合专业对应关系" in outcome.reason.render("zh-hans")


# --- related: from the catalog unless the request says --------------------------------------------


def test_work_in_an_occupation_the_catalog_lists_as_related_counts():
    assert result("L5-2", work=(job(d("2025-01-01"), occupation="4-04-05-01"),)).met


def test_work_in_an_unlisted_occupation_does_not_count_unless_the_request_says_related():
    unlisted = "2-02-10-03"

    assert not result("L5-2", work=(job(d("2025-01-01"), occupation=unlisted),)).met
    assert result("L5-2", work=(job(d("2025-01-01"), occupation=unlisted, related=True),)).met


def test_the_request_wins_over_the_catalog_even_for_the_occupation_itself():
    assert not result("L5-2", work=(job(d("2025-01-01"), related=False),)).met


def test_certificate_relatedness_from_the_catalog_or_the_request():
    work = (job(d("2015-01-01")),)

    assert result("L3-2", work=work, certificates=(cert(4, d("2020-01-01"), occupation="4-04-05-01"),)).met
    unlisted = cert(4, d("2020-01-01"), occupation="2-02-10-03")
    outcome = result("L3-2", work=work, certificates=(unlisted,))
    assert not outcome.met
    assert "不属于本职业或相关职业" in outcome.reason.render("zh-hans")
    confirmed = cert(4, d("2020-01-01"), occupation="2-02-10-03", related=True)
    assert result("L3-2", work=work, certificates=(confirmed,)).met


def test_major_relatedness_from_the_catalog_or_the_request():
    def graduate(major, related=None):
        return (
            Education(
                school_kind=SchoolKind.UNIVERSITY, major=major, related=related, graduated_on=d("2012-06-30")
            ),
        )

    assert result("L4-3", education=graduate("人工智能")).met
    assert not result("L4-3", education=graduate("会计学")).met
    assert result("L4-3", education=graduate("会计学", related=True)).met
    assert not result("L4-3", education=graduate("人工智能", related=False)).met
    assert not result("L4-3", education=graduate(None)).met


# --- graduating students --------------------------------------------------------------------------


def test_a_final_year_student_counts_where_the_rule_says_graduating_students_count():
    education = (Education(school_kind=SchoolKind.HIGHER_VOCATIONAL, major="人工智能", graduating=True),)

    outcome = result("L4-3", education=education)

    assert outcome.met
    assert outcome.reason.render("en") == "L4-3 holds: final-year student at a higher vocational college."


def test_a_student_before_the_final_year_does_not_count():
    education = (Education(school_kind=SchoolKind.HIGHER_VOCATIONAL, major="人工智能"),)

    assert not result("L4-3", education=education).met


def test_a_graduation_date_after_the_reference_date_is_not_a_diploma_yet():
    education = (
        Education(
            school_kind=SchoolKind.HIGHER_VOCATIONAL, major="人工智能", graduated_on=REF + timedelta(days=90)
        ),
    )

    assert not result("L4-3", education=education).met


# --- met_from -------------------------------------------------------------------------------------


def test_met_from_is_when_continuing_work_reaches_the_years_needed():
    # 2018-07-01 .. 2026-03-15 is 2815 days; 3650 are needed, 835 more
    outcome = result("L3-1", work=(job(d("2018-07-01")),))

    assert outcome.met_from == REF + timedelta(days=835) == d("2028-06-27")
    assert outcome.reason.render("zh-hans") == (
        "L3-1 不满足：本职业或相关职业工作累计 7 年 260 天，需满 10 年。按目前情况，将于 2028-06-27 起满足。"
    )
    assert outcome.reason.render("en").endswith(" If nothing changes, it will hold from 2028-06-27.")


def test_no_met_from_when_the_related_work_has_ended():
    assert result("L3-1", work=(job(d("2018-07-01"), d("2026-01-31")),)).met_from is None


def test_an_unrelated_open_job_does_not_make_time_count():
    work = (job(d("2018-07-01"), d("2026-01-31")), job(d("2026-02-01"), occupation="2-02-10-03"))

    assert result("L3-1", work=work).met_from is None


def test_met_from_when_work_continues_to_a_known_end_after_the_reference_date():
    work = (job(d("2021-06-01"), REF + timedelta(days=400)),)
    days_at_ref = (REF - d("2021-06-01")).days + 1

    reached = result("L4-1", work=work)
    assert reached.met_from == REF + timedelta(days=FIVE_YEARS - days_at_ref)

    too_late = result("L4-1", work=(job(d("2024-06-01"), REF + timedelta(days=400)),))
    assert too_late.met_from is None


def test_met_from_is_the_latest_of_the_clocks_when_several_are_short():
    # L2-2: junior title 5 years ago less 10 days, level-3 certificate 1 year ago less 100 days
    work = (job(d("2010-01-01")),)
    titles = (Title(grade=TitleGrade.JUNIOR, matches=True, obtained_on=days_before(FIVE_YEARS - 11)),)
    certificates = (cert(3, days_before(365 - 101)),)

    outcome = result("L2-2", work=work, titles=titles, certificates=certificates)

    assert not outcome.met
    assert outcome.met_from == REF + timedelta(days=100)


def test_no_met_from_when_something_other_than_time_is_missing():
    work = (job(d("2025-01-01")),)

    outcome = result("L2-4", work=work, certificates=(cert(3, d("2024-01-01")),))

    assert not outcome.met
    assert outcome.met_from is None
