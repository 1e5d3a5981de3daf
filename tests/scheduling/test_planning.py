"""Planning a month (issue 6 "Planning", DOMAIN.md §5): cohorts, the minimum with rollover, working days,
same-day sittings, room capacity, conflicts shown, staffing ratios, publishing."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.audit.models import AuditEntry
from skilleval.catalog.models import CatalogItem
from skilleval.core.errors import DomainError
from skilleval.notifications.models import Message
from skilleval.scheduling.models import Cohort, ExamSession, MonthPlan, Room, SeatAssignment, Ticket, Venue
from skilleval.scheduling.services import fill_staff, plan_conflicts, plan_month, publish_plan
from skilleval.workdays.services import working_calendar
from tests.scheduling.factories import seed_paid

pytestmark = pytest.mark.django_db
NOV = timezone.make_aware(datetime(2026, 11, 10, 10, 0))
OCT = timezone.make_aware(datetime(2026, 10, 20, 10, 0))


@pytest.fixture
def calendar(notice_2026):
    from skilleval.workdays.services import load_package_calendar

    load_package_calendar(by=None)


@pytest.fixture
def rooms(db):
    venue = Venue.objects.create(name="静安考点", address="愚园路 546 号 8 号楼")
    return {
        "theory": Room.objects.create(venue=venue, name="201", kind="theory", capacity=40),
        "lab": Room.objects.create(venue=venue, name="机房 1", kind="practical", capacity=30),
    }


def item(code="4-04-05-01", level=4):
    return CatalogItem.objects.get(occupation__code=code, level=level)


def test_a_cohort_is_placed_on_working_days_with_theory_and_practical_the_same_day(
    calendar, rooms, admin_alice
):
    ids = seed_paid(item(), 50, submitted=NOV)
    plan = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 1))
    cohort = plan.cohorts.get()
    assert (cohort.outcome, cohort.ready, cohort.placed) == (Cohort.Outcome.PLANNED, 50, 50)
    seats = SeatAssignment.objects.filter(application__in=ids).select_related("session")
    assert seats.count() == 100  # theory and practical for each
    calendar_ = working_calendar()
    by_candidate = {}
    for seat in seats:
        assert calendar_.is_working_day(seat.session.date)
        assert date(2026, 12, 1) <= seat.session.date <= date(2026, 12, 31)
        by_candidate.setdefault(seat.application_id, set()).add((seat.session.date, seat.session.subject))
    assert all(len({d for d, _ in v}) == 1 and len(v) == 2 for v in by_candidate.values())
    for session in ExamSession.objects.filter(plan=plan):
        assert session.assignments.count() <= session.room.capacity
    assert AuditEntry.objects.filter(action="scheduling.plan.propose").count() == 1


def examiners(n, admin):
    from skilleval.accounts.models import User
    from skilleval.accounts.roles import Role
    from skilleval.accounts.services import grant_role

    users = []
    for i in range(n):
        user = User.objects.create_user(username=f"examiner{i}", password="Exam-pass-2026!")
        grant_role(user, Role.EXAMINER, by=admin)
        users.append(user)
    return users


def test_a_cohort_under_the_minimum_rolls_over_and_merges_with_next_month(calendar, rooms, admin_alice):
    october = seed_paid(item(), 20, submitted=OCT)
    plan = plan_month(2026, 10, by=admin_alice, earliest=date(2026, 11, 25))
    cohort = plan.cohorts.get()
    assert (cohort.outcome, cohort.ready, cohort.detail) == (Cohort.Outcome.DEFERRED, 20, {"minimum": 30})
    assert not SeatAssignment.objects.exists()

    publish_plan(plan, by=admin_alice)  # nothing to staff; the deferred are told
    told = Message.objects.filter(topic="scheduling.deferred")
    assert set(told.values_list("target_id", flat=True)) == {str(pk) for pk in october}
    assert "30" in told.first().body and "下月" in told.first().body
    assert Application.objects.filter(pk__in=october, status=Status.PAID).count() == 20

    november = seed_paid(item(), 15, submitted=NOV, start=100)
    merged = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 1)).cohorts.get()
    assert (merged.outcome, merged.ready, merged.placed) == (Cohort.Outcome.PLANNED, 35, 35)
    assert merged.months == ["2026-10", "2026-11"]
    seated = set(SeatAssignment.objects.values_list("application_id", flat=True))
    assert seated == set(october) | set(november)


def test_the_minimum_is_a_policy_not_a_constant(calendar, rooms, admin_alice):
    from skilleval.organization.services import set_policy

    set_policy("cohort.minimum_size", 10, effective_from=date(2026, 11, 1), by=admin_alice)
    seed_paid(item(), 12, submitted=NOV)
    assert (
        plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 1)).cohorts.get().outcome
        == Cohort.Outcome.PLANNED
    )


def test_group_students_who_have_not_confirmed_their_data_wait_and_do_not_count(
    calendar, rooms, admin_alice, school
):
    seed_paid(item(), 30, submitted=NOV, institution=school)
    seed_paid(item(), 5, submitted=NOV, institution=school, confirmed=False, start=100)
    cohort = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 1)).cohorts.get()
    assert (cohort.ready, cohort.waiting, cohort.placed) == (30, 5, 30)


def test_a_deadline_that_cannot_be_met_is_a_conflict_with_its_reason(calendar, rooms, admin_alice):
    from skilleval.organization.models import EvaluationCycle

    EvaluationCycle.objects.create(year=2031, month=5, evaluate_by=date(2031, 6, 30))
    seed_paid(item(), 30, submitted=timezone.make_aware(datetime(2031, 5, 3, 9, 0)))
    cohort = plan_month(2031, 5, by=admin_alice).cohorts.get()
    assert (cohort.outcome, cohort.problem, cohort.detail) == (
        Cohort.Outcome.CONFLICT,
        "calendar_missing",
        {"year": 2031},
    )

    seed_paid(item(), 400, submitted=NOV, start=1000)  # 40 seats x 2 sittings x 3 working days < 400
    plan = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 29))
    cohort = plan.cohorts.get()
    assert cohort.outcome == Cohort.Outcome.CONFLICT and cohort.problem == "no_room"
    assert cohort.placed + cohort.detail["left"] == 400 and cohort.placed == 3 * 60
    assert any(c["problem"] == "no_room" for c in plan_conflicts(plan))


def test_staffing_ratios_are_checked_before_publishing_and_publishing_schedules_and_issues_tickets(
    calendar, rooms, admin_alice
):
    ids = seed_paid(item(), 40, submitted=NOV)
    plan = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 1))
    with pytest.raises(DomainError) as caught:
        publish_plan(plan, by=admin_alice)
    assert caught.value.code == "short_staff"
    assert Application.objects.filter(pk__in=ids, status=Status.PAID).count() == 40

    from skilleval.scheduling.services import staffing

    needs = staffing(plan.sessions.all())
    # theory 1 per 15 and at least 2; practical 1 per 5, at least 3 and odd (DOMAIN.md §2)
    for session in plan.sessions.all():
        seated = session.assignments.count()
        expected = max(2, -(-seated // 15)) if session.subject == "theory" else max(3, -(-seated // 5))
        if session.subject == "practical" and expected % 2 == 0:
            expected += 1
        assert needs[session.pk] == (expected, 0)

    examiners(12, admin_alice)
    fill_staff(plan, by=admin_alice)
    assert all(need <= have for need, have in staffing(plan.sessions.all()).values())
    summary = publish_plan(plan, by=admin_alice)
    assert summary["scheduled"] == 40 and summary["tickets"] == 40
    assert Application.objects.filter(pk__in=ids, status=Status.SCHEDULED).count() == 40
    assert Ticket.objects.filter(application__in=ids).values("number").distinct().count() == 40
    assert set(ExamSession.objects.filter(plan=plan).values_list("state", flat=True)) == {"published"}
    assert AuditEntry.objects.filter(action="applications.application.scheduled").count() == 40
    assert AuditEntry.objects.filter(action="scheduling.plan.publish").count() == 1
    assert publish_plan(plan, by=admin_alice) == summary  # a second publish changes nothing
    assert Ticket.objects.count() == 40
    with pytest.raises(DomainError):
        plan_month(2026, 11, by=admin_alice)


def test_nobody_is_in_two_rooms_at_once(calendar, rooms, admin_alice):
    from skilleval.scheduling.services import assign_staff

    seed_paid(item(), 60, submitted=NOV)
    plan = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 1))
    (user,) = examiners(1, admin_alice)
    morning = plan.sessions.filter(starts_at=time(9, 0)).order_by("pk")
    assign_staff(morning[0], user, by=admin_alice)
    with pytest.raises(DomainError) as caught:
        assign_staff(morning[1], user, by=admin_alice)
    assert caught.value.code == "staff_busy"
    with pytest.raises(DomainError) as caught:
        assign_staff(morning[0], admin_alice, by=admin_alice)
    assert caught.value.code == "not_examiner"


def test_planning_again_replaces_the_draft(calendar, rooms, admin_alice):
    seed_paid(item(), 35, submitted=NOV)
    first = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 1))
    again = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 8))
    assert first.pk == again.pk and MonthPlan.objects.count() == 1
    assert SeatAssignment.objects.count() == 70
    assert min(ExamSession.objects.values_list("date", flat=True)) >= date(2026, 12, 8)


def test_a_sitting_moves_whole_to_another_working_day(calendar, rooms, admin_alice):
    from skilleval.scheduling.services import move_sitting

    seed_paid(item(), 30, submitted=NOV)
    plan = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 1))
    day = plan.sessions.first().date
    assert move_sitting(plan, item(), day, date(2026, 12, 10), by=admin_alice) == 2
    assert set(plan.sessions.values_list("date", flat=True)) == {date(2026, 12, 10)}
    for to, code in [(date(2026, 12, 12), "not_working_day"), (date(2027, 1, 4), "after_deadline")]:
        with pytest.raises(DomainError) as caught:
            move_sitting(plan, item(), date(2026, 12, 10), to, by=admin_alice)
        assert caught.value.code == code


def test_planning_runs_as_a_job_with_its_progress_on_the_plan(calendar, rooms, admin_alice):
    from skilleval.jobs.models import JobProgress
    from skilleval.scheduling.tasks import start_planning

    seed_paid(item(), 30, submitted=NOV)
    plan = start_planning(2026, 11, by=admin_alice, earliest=date(2026, 12, 1))
    job = JobProgress.objects.get(pk=plan.job_id)
    assert (job.state, job.done, job.total, job.started_by) == (JobProgress.State.DONE, 100, 100, admin_alice)
    assert plan.summary["placed"] == 30 and plan.cohorts.get().outcome == Cohort.Outcome.PLANNED


def test_after_publishing_a_moved_sitting_is_told_to_its_candidates(calendar, rooms, admin_alice):
    from skilleval.scheduling.services import move_sitting

    ids = seed_paid(item(), 30, submitted=NOV)
    plan = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 1))
    examiners(8, admin_alice)
    fill_staff(plan, by=admin_alice)
    publish_plan(plan, by=admin_alice)
    day = plan.sessions.first().date
    move_sitting(plan, item(), day, date(2026, 12, 10), by=admin_alice)
    told = Message.objects.filter(topic="scheduling.changed")
    assert sorted(int(t) for t in told.values_list("target_id", flat=True)) == sorted(ids)
