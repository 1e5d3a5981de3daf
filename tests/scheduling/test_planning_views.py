"""The scheduler's planning pages (issue 6, DOMAIN.md §5, §7, §8): plan a month, read its cohorts and
conflicts, staff it, move a sitting, publish it, and print the exam room's papers (audited exports)."""

import io
import shutil
import subprocess
from datetime import date, datetime

import openpyxl
import pytest
from django.utils import timezone

from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.audit.models import AuditEntry
from skilleval.catalog.models import CatalogItem
from skilleval.people.models import Person
from skilleval.privacy.files import store_private
from skilleval.scheduling.models import (
    Cohort,
    ExamSession,
    MonthPlan,
    Room,
    SeatAssignment,
    StaffAssignment,
    Ticket,
    Venue,
)
from skilleval.scheduling.services import plan_month, staffing
from tests.applications.conftest import PHOTO_JPEG
from tests.scheduling.factories import seed_paid

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
NOV = timezone.make_aware(datetime(2026, 11, 10, 10, 0))
PLAN = "/en/planning/2026-11/"


@pytest.fixture
def calendar(notice_2026):
    from skilleval.workdays.services import load_package_calendar

    load_package_calendar(by=None)


@pytest.fixture
def venue(db):
    return Venue.objects.create(name="静安考点", address="愚园路 546 号 8 号楼")


@pytest.fixture
def rooms(venue):
    return {
        "theory": Room.objects.create(venue=venue, name="201", kind="theory", capacity=40),
        "lab": Room.objects.create(venue=venue, name="机房 1", kind="practical", capacity=30),
    }


def make_user(username, role, admin):
    user = User.objects.create_user(username=username, password="Plan-pass-2026!", first_name=username)
    grant_role(user, role, by=admin)
    return user


@pytest.fixture
def scheduler_sun(admin_alice):
    return make_user("sun", Role.SCHEDULER, admin_alice)


@pytest.fixture
def supervisor_zhou(admin_alice):
    return make_user("zhou", Role.SUPERVISOR, admin_alice)


def examiners(n, admin):
    return [make_user(f"examiner{i}", Role.EXAMINER, admin) for i in range(n)]


def programmer():
    return CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)


def with_photos(application_ids) -> None:
    """The seeded candidates get a real JPEG, so tickets and rosters draw it."""
    name = store_private(PHOTO_JPEG, purpose="people.person.photo")
    Person.objects.filter(applications__in=application_ids).update(photo_name=name)


@pytest.fixture
def planned(calendar, rooms, admin_alice):
    """30 paid candidates of November, planned from December 1st (one day, two sessions, no staff yet)."""
    ids = seed_paid(programmer(), 30, submitted=NOV)
    with_photos(ids)
    plan = plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 1))
    return plan, ids


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# -- reading ------------------------------------------------------------------------------------------------


def test_a_scheduler_sees_each_cohort_outcome_and_the_conflicts_in_words(
    client, calendar, venue, admin_alice, scheduler_sun
):
    Room.objects.create(venue=venue, name="201", kind="theory", capacity=40)
    Room.objects.create(venue=venue, name="机房 1", kind="practical", capacity=10)
    seed_paid(programmer(), 30, submitted=NOV)
    other = CatalogItem.objects.exclude(pk=programmer().pk).filter(subjects__isnull=False).first()
    seed_paid(other, 5, submitted=NOV, start=500)
    # One working day left before the deadline: 10 lab seats x 2 sittings = 20 of the 30 placed.
    plan_month(2026, 11, by=admin_alice, earliest=date(2026, 12, 31))

    client.force_login(scheduler_sun)
    page = client.get(PLAN, **HOST)
    assert page.status_code == 200
    html = page.content.decode()
    outcomes = {c.item_id: (c.outcome, c.placed) for c in page.context["cohorts"]}
    assert outcomes == {
        programmer().pk: (Cohort.Outcome.CONFLICT, 20),
        other.pk: (Cohort.Outcome.DEFERRED, 0),
    }
    assert "10 candidates could not be placed before 2026-12-31: add rooms or sessions." in html
    assert "Fewer than 30 ready candidates: the cohort moves to next month and merges with it." in html
    assert "/admin/scheduling/venue/" in html  # where rooms are added
    short = [c for c in page.context["conflicts"] if c.get("problem") == "short_staff"]
    assert short and all("invigilators or examiners assigned: add staff." in c["text"] for c in short)
    assert "0 of 2 invigilators or examiners assigned" in html  # theory: at least 2 (DOMAIN.md §2)
    # sessions grouped by the day, with seated / seats
    (day, rows), *_ = page.context["days"]
    assert day == date(2026, 12, 31) and [r["session"].seated for r in rows] == [10, 10, 10, 10]

    listing = client.get("/en/planning/", **HOST)
    (row,) = listing.context["rows"]
    assert row["plan"].summary["placed"] == 20 and row["conflicts"] == 1 + len(short)
    assert "静安考点" in listing.content.decode() and "机房 1" in listing.content.decode()


def test_a_calendar_that_is_not_loaded_is_worded_with_where_to_load_it(
    client, calendar, rooms, admin_alice, scheduler_sun
):
    from skilleval.organization.models import EvaluationCycle

    EvaluationCycle.objects.create(year=2031, month=5, evaluate_by=date(2031, 6, 30))
    seed_paid(programmer(), 30, submitted=timezone.make_aware(datetime(2031, 5, 3, 9, 0)))
    plan_month(2031, 5, by=admin_alice)
    client.force_login(scheduler_sun)
    html = client.get("/en/planning/2031-05/", **HOST).content.decode()
    assert "The calendar of 2031 is not loaded: load it under Working-day calendar." in html
    assert "/admin/workdays/calendaryear/" in html


def test_others_are_refused_and_strangers_sent_to_sign_in(
    client, planned, reviewer_rui, supervisor_zhou, scheduler_sun
):
    session = ExamSession.objects.first()
    pages = ["/planning/", "/planning/2026-11/", f"/planning/sessions/{session.pk}/"]
    for url in [*pages, f"/planning/sessions/{session.pk}/sign-in.pdf"]:
        response = client.get(url, **HOST)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/?next=")

    client.force_login(reviewer_rui)
    for url in [*pages, f"/planning/sessions/{session.pk}/roster.xlsx"]:
        assert client.get(url, **HOST).status_code == 403
    assert client.post("/planning/start/", {"year": 2026, "month": 11}, **HOST).status_code == 403

    client.force_login(supervisor_zhou)  # reads, changes nothing
    page = client.get("/planning/2026-11/", **HOST)
    assert page.status_code == 200 and not page.context["editable"]
    assert "fill-staff" not in page.content.decode()
    assert client.post("/planning/2026-11/fill-staff/", **HOST).status_code == 403
    assert not StaffAssignment.objects.exists()
    assert not AuditEntry.objects.filter(action="scheduling.roster.export").exists()

    client.force_login(scheduler_sun)
    assert client.get("/planning/2027-13/", **HOST).status_code == 404  # no 13th month
    assert client.get("/planning/2027-01/", **HOST).status_code == 404  # not planned


# -- planning and publishing --------------------------------------------------------------------------------


def test_planning_a_month_runs_the_job_and_shows_the_plan(client, calendar, rooms, scheduler_sun):
    seed_paid(programmer(), 35, submitted=NOV)
    client.force_login(scheduler_sun)
    form = client.get("/en/planning/", **HOST).context["form"]
    today = timezone.localdate()
    assert (form.initial["year"], form.initial["month"]) == (today.year, today.month)

    response = client.post(
        "/en/planning/start/", {"year": "2026", "month": "11", "earliest": "2026-12-01"}, **HOST
    )
    assert response.status_code == 302 and response["Location"] == PLAN
    plan = MonthPlan.objects.get(year=2026, month=11)
    assert plan.job.state == "done" and plan.created_by == scheduler_sun
    assert (plan.summary["ready"], plan.summary["placed"], plan.earliest) == (35, 35, date(2026, 12, 1))
    assert SeatAssignment.objects.filter(session__plan=plan).count() == 70
    assert min(plan.sessions.values_list("date", flat=True)) >= date(2026, 12, 1)
    assert AuditEntry.objects.filter(action="scheduling.plan.propose", actor_id=scheduler_sun.pk).exists()

    page = client.get(PLAN, **HOST)
    assert not page.context["busy"] and '<meta http-equiv="refresh"' not in page.content.decode()

    bad = client.post("/en/planning/start/", {"year": "26", "month": "13"}, **HOST)
    assert bad.status_code == 400 and set(bad.context["form"].errors) == {"year", "month"}
    assert MonthPlan.objects.count() == 1


def test_the_plan_page_refreshes_while_its_job_runs(client, planned, scheduler_sun):
    from skilleval.jobs.models import JobProgress

    plan, _ids = planned
    job = JobProgress.objects.create(task_id="t-1", label="planning", state="running", total=100, done=40)
    MonthPlan.objects.filter(pk=plan.pk).update(job=job)
    client.force_login(scheduler_sun)
    page = client.get(PLAN, **HOST)
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html and 'value="40"' in html
    assert not page.context["editable"]  # no second job on top of a running one
    response = client.post(f"{PLAN}publish/", follow=True, **HOST)
    assert any("still at work" in m for m in messages_of(response))
    assert MonthPlan.objects.get(pk=plan.pk).job_id == job.pk


def test_fill_staff_puts_examiners_on_every_session(client, planned, admin_alice, scheduler_sun):
    plan, _ids = planned
    examiners(8, admin_alice)
    client.force_login(scheduler_sun)
    response = client.post(f"{PLAN}fill-staff/", follow=True, **HOST)
    needs = staffing(plan.sessions.all())
    assert all(needed == have for needed, have in needs.values())
    assert StaffAssignment.objects.count() == sum(needed for needed, _have in needs.values()) > 0
    assert f"{StaffAssignment.objects.count()} assignments made." in messages_of(response)
    assert AuditEntry.objects.filter(action="scheduling.staff.fill", actor_id=scheduler_sun.pk).count() == 1
    names = {name for days in response.context["days"] for r in days[1] for name in r["staff"]}
    assert names <= {f"examiner{i}" for i in range(8)} and names


def test_publishing_with_short_staff_says_so_and_changes_nothing(client, planned, scheduler_sun):
    plan, ids = planned
    job_before = plan.job_id
    client.force_login(scheduler_sun)
    response = client.post(f"{PLAN}publish/", follow=True, **HOST)
    assert "2 sessions are short of invigilators or examiners; assign staff first." in messages_of(response)
    plan.refresh_from_db()
    assert (plan.state, plan.job_id) == (MonthPlan.State.DRAFT, job_before)
    assert Application.objects.filter(pk__in=ids, status=Status.PAID).count() == 30
    assert not Ticket.objects.exists()
    assert set(plan.sessions.values_list("state", flat=True)) == {"draft"}


def test_after_staffing_publishing_schedules_the_candidates_and_issues_tickets(
    client, planned, admin_alice, scheduler_sun
):
    plan, ids = planned
    examiners(8, admin_alice)
    client.force_login(scheduler_sun)
    client.post(f"{PLAN}fill-staff/", **HOST)
    response = client.post(f"{PLAN}publish/", **HOST)
    assert response.status_code == 302 and response["Location"] == PLAN
    plan.refresh_from_db()
    assert plan.state == MonthPlan.State.PUBLISHED
    assert Application.objects.filter(pk__in=ids, status=Status.SCHEDULED).count() == 30
    tickets = Ticket.objects.filter(application__in=ids)
    assert tickets.count() == 30 and all(t.pdf_name for t in tickets)  # the ticket job drew them
    assert plan.job.state == "done"

    page = client.get(PLAN, **HOST)
    html = page.content.decode()
    assert "planning-publish" not in html and "/tickets/" in html and "plan-again" not in html
    assert client.post(f"{PLAN}tickets/", **HOST).status_code == 302
    assert MonthPlan.objects.get(pk=plan.pk).job.state == "done"
    again = client.post(f"{PLAN}plan-again/", follow=True, **HOST)
    assert "This month's plan is published; adjust its sessions instead." in messages_of(again)
    assert SeatAssignment.objects.filter(session__plan=plan).count() == 60

    session = plan.sessions.first()
    seats = client.get(f"/en/planning/sessions/{session.pk}/", **HOST).context["seats"]
    assert {s.ticket_number for s in seats} <= set(tickets.values_list("number", flat=True))


def test_generating_tickets_waits_for_publication(client, planned, scheduler_sun):
    client.force_login(scheduler_sun)
    response = client.post(f"{PLAN}tickets/", follow=True, **HOST)
    assert "Admission tickets are drawn once the plan is published." in messages_of(response)
    assert not Ticket.objects.exists()


def test_a_sitting_moves_whole_to_another_working_day(client, planned, scheduler_sun):
    plan, _ids = planned
    (day,) = set(plan.sessions.values_list("date", flat=True))
    client.force_login(scheduler_sun)
    sitting = f"{programmer().pk}:{day.isoformat()}"
    response = client.post(
        f"{PLAN}move-sitting/", {"sitting": sitting, "to": "2026-12-10"}, follow=True, **HOST
    )
    assert f"2 sessions moved from {day} to 2026-12-10." in messages_of(response)
    assert set(plan.sessions.values_list("date", flat=True)) == {date(2026, 12, 10)}
    assert AuditEntry.objects.filter(action="scheduling.sitting.move").count() == 1

    moved = f"{programmer().pk}:2026-12-10"
    response = client.post(
        f"{PLAN}move-sitting/", {"sitting": moved, "to": "2026-12-12"}, follow=True, **HOST
    )
    assert "2026-12-12 is not a working day." in messages_of(response)
    assert set(plan.sessions.values_list("date", flat=True)) == {date(2026, 12, 10)}


# -- one session ------------------------------------------------------------------------------------------


def test_staff_room_and_seats_are_changed_on_the_session_page(
    client, planned, venue, admin_alice, scheduler_sun
):
    plan, _ids = planned
    (wu,) = examiners(1, admin_alice)
    theory = plan.sessions.get(subject="theory")
    url = f"/en/planning/sessions/{theory.pk}/"
    client.force_login(scheduler_sun)
    page = client.get(url, **HOST)
    assert [s.seat_number for s in page.context["seats"]] == list(range(1, 31))
    assert page.context["examiners"] == [(wu.pk, "examiner0")]

    client.post(f"{url}staff/", {"user": wu.pk}, **HOST)
    duty = StaffAssignment.objects.get(session=theory, user=wu)
    refused = client.post(f"{url}staff/", {"user": scheduler_sun.pk}, follow=True, **HOST)
    assert "Only an invigilator or examiner can be put on a session." in messages_of(refused)
    client.post(f"{url}staff/{duty.pk}/remove/", **HOST)
    assert not StaffAssignment.objects.filter(session=theory).exists()

    bigger = Room.objects.create(venue=venue, name="301", kind="theory", capacity=50)
    lab = Room.objects.get(kind="practical")
    assert list(client.get(url, **HOST).context["rooms"]) == [bigger]  # only rooms of the subject's kind
    wrong = client.post(f"{url}room/", {"room": lab.pk}, follow=True, **HOST)
    assert "is not a room for this subject" in messages_of(wrong)[0]
    client.post(f"{url}room/", {"room": bigger.pk}, **HOST)
    theory.refresh_from_db()
    assert (theory.room, theory.seats) == (bigger, 50)

    # a second theory session the same morning, and a candidate moved into it
    other = ExamSession.objects.create(
        plan=plan,
        item=theory.item,
        subject="theory",
        room=Room.objects.create(venue=venue, name="202", kind="theory", capacity=20),
        date=theory.date,
        starts_at=theory.starts_at,
        ends_at=theory.ends_at,
        seats=20,
    )
    seat = theory.assignments.get(seat_number=7)
    client.post(f"{url}move-seat/", {"seat": seat.pk, "to": other.pk}, **HOST)
    seat.refresh_from_db()
    assert (seat.session, seat.seat_number) == (other, 1)
    assert AuditEntry.objects.filter(action="scheduling.seat.move").count() == 1


# -- the exam room's papers -------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def test_the_room_papers_download_with_the_candidates_and_each_download_is_audited(
    client, planned, scheduler_sun
):
    plan, _ids = planned
    theory = plan.sessions.get(subject="theory")
    client.force_login(scheduler_sun)
    base = f"/planning/sessions/{theory.pk}/"

    sign_in = client.get(f"{base}sign-in.pdf", **HOST)
    assert sign_in["Content-Type"] == "application/pdf"
    assert sign_in["Content-Disposition"] == (
        f"attachment; filename*=UTF-8''sign-in-{theory.date:%Y%m%d}-{theory.pk}.pdf"
    )
    assert sign_in["Cache-Control"] == "no-store"
    seat_plan = client.get(f"{base}seat-plan.pdf", **HOST)
    workbook = client.get(f"{base}roster.xlsx", **HOST)
    assert workbook["Content-Disposition"].startswith("attachment; filename*=UTF-8''roster-")

    entries = AuditEntry.objects.filter(action="scheduling.roster.export").order_by("seq")
    assert [(e.actor_id, e.target_id, e.data["document"], e.data["candidates"]) for e in entries] == [
        (scheduler_sun.pk, str(theory.pk), "sign-in", 30),
        (scheduler_sun.pk, str(theory.pk), "seat-plan", 30),
        (scheduler_sun.pk, str(theory.pk), "roster", 30),
    ]

    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content))["签到表"]
    names = {c.value for row in sheet.iter_rows() for c in row if c.value and str(c.value).startswith("考生")}
    assert names == {f"考生{n}" for n in range(30)}

    text = pdf_text(sign_in.content)
    assert "考场签到表" in text and "考生0" in text and "考生29" in text and "理论知识" in text
    assert "考场座位表" in pdf_text(seat_plan.content)
