"""The dashboard's numbers agree with the rows beneath them (issue 11): each query is checked against a count
made here, independently, from Application, Result, Score, Payment and Cohort rows."""

from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.catalog.models import CatalogItem, ItemSubject
from skilleval.payments.models import Payment
from skilleval.payments.reports import daily_collections, outstanding
from skilleval.payments.services import confirm_payment, open_payment
from skilleval.results.models import Result, Score
from skilleval.results.services import cancel_subjects, passes
from skilleval.scheduling.models import Cohort
from skilleval.scheduling.services import plan_month
from skilleval.statistics import queries
from skilleval.statistics.queries import Filters, parse_filters
from tests.applications.conftest import make_candidate
from tests.payments.test_payments import approved
from tests.results.conftest import exam_day
from tests.results.test_scores import mark_all
from tests.scheduling.factories import seed_paid

pytestmark = pytest.mark.django_db
SHANGHAI = timezone.get_default_timezone()


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args), SHANGHAI)


@pytest.fixture
def spring(programmer_l4, school):
    """Applications across months, channels and an institution, with a submission at midnight in Shanghai
    (still 30 April in UTC) and one from the year before."""
    ai_l3 = CatalogItem.objects.get(occupation__code="4-04-05-05", level=3)
    seed_paid(programmer_l4, 3, submitted=at(2026, 3, 10, 10), start=0)
    seed_paid(ai_l3, 2, submitted=at(2026, 3, 31, 23, 30), start=100, institution=school)
    seed_paid(programmer_l4, 4, submitted=at(2026, 5, 1, 0, 10), start=200, institution=school)
    seed_paid(programmer_l4, 1, submitted=at(2025, 12, 30, 9), start=300)
    Application.objects.filter(number="T000000201").update(status=Status.WITHDRAWN)
    Application.objects.filter(number="T000000000").update(status=Status.SCHEDULED)
    return ai_l3


def counted_by_hand(f: Filters, key) -> Counter:
    """The independent count: every application row, its submission read in Shanghai time."""
    counts = Counter()
    for application in Application.objects.select_related("institution"):
        if application.submitted_at is None:
            continue
        day = timezone.localtime(application.submitted_at, SHANGHAI).date()
        if f.start <= day <= f.end and (not f.institution or application.institution_id == f.institution):
            counts[key(application, day)] += 1
    return counts


def test_applications_by_month_count_the_shanghai_month_of_submission(spring):
    f = Filters(year=2026)
    rows = queries.applications_by_month(f)
    assert [r["month"] for r in rows] == [f"2026-{m:02d}" for m in range(1, 13)]
    by_hand = counted_by_hand(f, lambda a, day: f"{day:%Y-%m}")
    assert {r["month"]: r["applications"] for r in rows if r["applications"]} == dict(by_hand)
    assert by_hand == {"2026-03": 5, "2026-05": 4}  # 00:10 on 1 May in Shanghai is May, not April
    assert sum(r["applications"] for r in queries.applications_by_month(Filters(year=2025))) == 1


def test_applications_by_status_and_institution_equal_the_rows(spring, school):
    f = Filters(year=2026)
    statuses = {r["status"]: r["applications"] for r in queries.applications_by_status(f)}
    assert statuses == dict(counted_by_hand(f, lambda a, day: a.status))
    assert statuses == {Status.PAID: 7, Status.SCHEDULED: 1, Status.WITHDRAWN: 1}
    institutions = {r["institution"]: r["applications"] for r in queries.applications_by_institution(f)}
    assert institutions == dict(
        counted_by_hand(f, lambda a, day: a.institution.name if a.institution else "")
    )
    assert institutions == {school.name: 6, "": 3}


def test_filters_narrow_every_count(spring, school, programmer_l4):
    f = Filters(year=2026, month_from=4, month_to=5, institution=school.pk)
    assert [r["applications"] for r in queries.applications_by_month(f)] == [0, 4]
    assert queries.applications_by_institution(f) == [{"institution": school.name, "applications": 4}]
    only_ai = Filters(year=2026, occupation=spring.occupation_id)
    assert queries.applications_by_cohort(only_ai) == [
        {"item": spring.pk, "month": "2026-03", "applications": 2}
    ]
    online = Filters(year=2026, channel="online")
    assert sum(r["applications"] for r in queries.applications_by_status(online)) == 3


def test_cohorts_are_an_item_and_an_application_month(spring, programmer_l4):
    rows = queries.applications_by_cohort(Filters(year=2026))
    by_hand = counted_by_hand(Filters(year=2026), lambda a, day: (a.item_id, f"{day:%Y-%m}"))
    assert {(r["item"], r["month"]): r["applications"] for r in rows} == dict(by_hand)
    assert by_hand[(programmer_l4.pk, "2026-03")] == 3 and by_hand[(spring.pk, "2026-03")] == 2


def test_malformed_filters_fall_back_to_their_defaults():
    today = date(2026, 11, 24)
    f = parse_filters(
        {"year": "abc", "from": "9", "to": "3", "institution": "-1", "channel": "fax"}, today=today
    )
    assert (f.year, f.month_from, f.month_to, f.institution, f.channel) == (2026, 3, 9, None, "")
    assert parse_filters({}, today=today).as_query() == {"year": 2026, "from": 1, "to": 12}


# -- pass rates (DOMAIN.md §9: absent and cancelled subjects fail) -------------------------------------------


@pytest.fixture
def marked(held, examiner_a, examiner_b, supervisor_s, admin_alice):
    _item, applications, _sessions = held
    mark_all(held, ["60", "88.5", "95"], ["72", "80", None], examiner_a, examiner_b, supervisor_s)
    cancel_subjects(applications[1], ["theory"], reason="2.1", decision="D-2026-001", by=supervisor_s)
    return applications


def test_pass_rates_by_subject_equal_passed_over_total_of_the_published_scores(marked):
    f = Filters(year=2026)
    rows = {r["subject"]: r for r in queries.pass_rates_by_subject(f)}
    by_hand: dict[str, list[int]] = {}
    for score in Score.objects.filter(state=Score.State.PUBLISHED).select_related("seat__session"):
        subject = ItemSubject.objects.get(item=score.seat.session.item, kind=score.subject)
        total_passed = by_hand.setdefault(score.subject, [0, 0])
        total_passed[0] += 1
        total_passed[1] += passes(score, subject)
    assert {k: [r["total"], r["passed"]] for k, r in rows.items()} == by_hand
    # theory: 60 and 95 pass, 88.5 cancelled; practical: 72 and 80 pass, one absent
    assert by_hand == {"theory": [3, 2], "practical": [3, 2]}
    assert rows["theory"]["rate"] == Decimal("66.7")


def test_pass_rates_by_occupation_level_and_institution_equal_the_results(marked, programmer_l4):
    f = Filters(year=2026)
    results = list(Result.objects.select_related("application"))
    total, passed = len(results), sum(r.passed for r in results)
    assert (total, passed) == (3, 1)  # the cancelled theory fails the second candidate's result
    expected = {"total": total, "passed": passed, "rate": Decimal("33.3")}
    assert queries.pass_rates(f, by="occupation") == [{"occupation": programmer_l4.occupation_id, **expected}]
    assert queries.pass_rates(f, by="level") == [{"level": 4, **expected}]
    assert queries.pass_rates(f, by="institution") == [{"institution": "", **expected}]
    assert queries.pass_rates(Filters(year=2025), by="level") == []


# -- money: the cashier's figures ----------------------------------------------------------------------------


@pytest.fixture
def fees(li_ming, programmer_l4, reviewer_rui, admin_alice):
    wang = make_candidate(name="王芳", id_number="310101198505124561")
    zhao = make_candidate(name="赵六", id_number="310104200001010033")
    apps = [approved(p, programmer_l4, reviewer_rui) for p in (li_ming, wang, zhao)]
    for application, day in ((apps[0], date(2026, 10, 30)), (apps[1], date(2026, 11, 23))):
        confirm_payment(
            open_payment(application, by=None), cashier=admin_alice, amount_received="350", received_on=day
        )
    return apps


def test_fees_collected_and_outstanding_equal_the_cashiers_reports(fees):
    f = Filters(year=2026)
    months = queries.collections_by_month(f)
    confirmed = Payment.objects.filter(state=Payment.State.CONFIRMED)
    assert sum(r["amount"] for r in months) == sum(p.amount_received for p in confirmed) == Decimal("700.00")
    assert sum(r["amount"] for r in daily_collections(f.start, f.end)) == Decimal("700.00")
    assert {r["month"]: (r["payments"], r["amount"]) for r in months if r["payments"]} == {
        "2026-10": (1, Decimal("350.00")),
        "2026-11": (1, Decimal("350.00")),
    }
    owed = queries.fees_outstanding(f)
    assert owed == outstanding()
    totals = queries.money_totals(months, owed)
    assert totals == {
        "collected": Decimal("700.00"),
        "payments": 2,
        "outstanding": Decimal("350.00"),
        "unpaid": 1,
    }
    assert queries.fees_outstanding(f, institution_name="别的学校") == []


# -- deadlines and deferred cohorts (DOMAIN.md §5, §9) -------------------------------------------------------


def test_deadlines_at_risk_list_an_overdue_session_and_not_one_with_time_left(held, programmer_l4):
    _item, _applications, held_sessions = held  # 2026-11-18: due 2026-12-16
    overdue = exam_day(programmer_l4, [], day=date(2026, 9, 1), name="长宁考点")  # due 2026-09-29
    rows = queries.deadlines_at_risk(Filters(year=2026, today=date(2026, 11, 20)))
    listed = {r.session.pk for r in rows}
    assert listed == {overdue["theory"].pk, overdue["practical"].pk}
    assert all(r.days_left < 0 for r in rows)
    near = queries.deadlines_at_risk(Filters(year=2026, today=date(2026, 12, 10)))  # 4 working days left
    assert {held_sessions["theory"].pk, held_sessions["practical"].pk} <= {r.session.pk for r in near}
    other = CatalogItem.objects.get(occupation__code="4-04-05-05", level=3).occupation_id
    assert queries.deadlines_at_risk(Filters(year=2026, today=date(2026, 11, 20), occupation=other)) == []


def test_deferred_cohorts_list_the_cohort_moved_to_next_month(calendar, programmer_l4, admin_alice):
    seed_paid(programmer_l4, 20, submitted=at(2026, 10, 20, 10))
    plan_month(2026, 10, by=admin_alice, earliest=date(2026, 11, 25))
    cohort = Cohort.objects.get()
    assert cohort.outcome == Cohort.Outcome.DEFERRED
    assert queries.deferred_cohorts(Filters(year=2026)) == [cohort]
    assert queries.deferred_cohorts(Filters(year=2026, month_from=11, month_to=12)) == []
