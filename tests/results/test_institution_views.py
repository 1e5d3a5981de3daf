"""An institution's results page (issue 7, DOMAIN.md §9, §10): its students' published results by exam month,
and group make-ups for them. Institutions are tenants: another institution's student, or an individual
candidate, is a 404 (SECURITY.md "Access")."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from skilleval.accounts.models import Institution, User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Channel, Kind
from skilleval.audit.models import AuditEntry
from skilleval.catalog.models import CatalogItem
from skilleval.results.models import Result, Score
from skilleval.results.services import Entry, close_results, enter_scores, publish_session, verify_scores
from skilleval.scheduling.models import SeatAssignment
from tests.results.conftest import exam_day
from tests.scheduling.factories import seed_paid

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
URL = "/en/my-results/institution/"


def mark(sessions, theory, practical, a, b, supervisor):
    for kind, values in (("theory", theory), ("practical", practical)):
        session = sessions[kind]
        seats = SeatAssignment.objects.filter(session=session).order_by("seat_number")
        enter_scores(session, [Entry(s.pk, v, False) for s, v in zip(seats, values, strict=True)], by=a)
        verify_scores(session, by=b)
    for session in sessions.values():
        publish_session(session, by=supervisor)


def students(item, count, *, start, institution=None):
    ids = seed_paid(
        item,
        count,
        submitted=timezone.make_aware(datetime(2026, 10, 12, 10)),
        start=start,
        institution=institution,
    )
    return list(Application.objects.filter(pk__in=ids).order_by("number"))


@pytest.fixture
def other_school(admin_alice):
    return Institution.objects.create(
        name="浦东新区职业培训学校", uscc="91310115MA1H7GXX1W", contact_email="office@pd.example"
    )


@pytest.fixture
def results(calendar, school, other_school, admin_alice, examiner_a, examiner_b, supervisor_s):
    """November: two students of the school (one passes, one fails the practical), one of another school and
    one individual candidate, both failing; October: a third student of the school, passing."""
    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    ours = students(item, 2, start=10, institution=school)
    theirs = students(item, 1, start=20, institution=other_school)
    individual = students(item, 1, start=30)
    november = exam_day(item, [*ours, *theirs, *individual], by=admin_alice)
    mark(november, ["75", "68", "70", "66"], ["82", "51", "40", "45"], examiner_a, examiner_b, supervisor_s)
    october_student = students(item, 1, start=40, institution=school)
    october = exam_day(item, october_student, day=date(2026, 10, 21), by=admin_alice, name="徐汇考点")
    mark(october, ["88"], ["90"], examiner_a, examiner_b, supervisor_s)
    return {"ours": [*ours, *october_student], "theirs": theirs[0], "individual": individual[0]}


def closed(*applications, admin):
    last = max(Result.objects.filter(application__in=applications).values_list("notice_until", flat=True))
    close_results(by=admin, on=last + timedelta(days=1))


def test_the_institution_sees_only_its_own_students_results(results, school_user, client):
    client.force_login(school_user)
    response = client.get(URL, **HOST)
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    for application in results["ours"]:
        assert application.number in html
    assert "考生10" in html and "考生11" in html and "考生40" in html
    assert "<strong>51</strong>" in html and "Not passed" in html and "Passed" in html
    for stranger in (results["theirs"], results["individual"]):
        assert stranger.number not in html
    assert "考生20" not in html and "考生30" not in html


def test_the_results_are_filtered_by_exam_month(results, school_user, client):
    client.force_login(school_user)
    november = client.get(URL, {"month": "2026-11"}, **HOST).content.decode()
    october = client.get(URL, {"month": "2026-10"}, **HOST).content.decode()
    first, second, october_student = results["ours"]
    assert first.number in november and second.number in november and october_student.number not in november
    assert october_student.number in october and first.number not in october
    assert "No published results yet." in client.get(URL, {"month": "2026-09"}, **HOST).content.decode()


def test_the_institution_starts_a_group_make_up_for_its_student(
    results, school, school_user, admin_alice, client
):
    failed = results["ours"][1]
    closed(failed, admin=admin_alice)
    assert Application.objects.get(pk=failed.pk).status == Status.FAILED
    client.force_login(school_user)
    assert "Apply for a make-up of: Practical skills" in client.get(URL, **HOST).content.decode()

    response = client.post(f"{URL}{failed.number}/makeup/", {"month": "2026-11"}, **HOST)

    assert response.status_code == 302 and response["Location"].endswith(f"{URL}?month=2026-11")
    makeup = Application.objects.get(person_id=failed.person_id, kind=Kind.MAKEUP)
    assert (makeup.channel, makeup.institution_id, makeup.retake_subjects) == (
        Channel.GROUP,
        school.pk,
        ["practical"],
    )
    assert makeup.created_by == school_user
    assert AuditEntry.objects.filter(action="results.makeup.start", actor_id=school_user.pk).count() == 1
    # Started and submitted at once (no batch for one make-up); the student confirms their data by code.
    assert makeup.status == "submitted" and makeup.pre_reviewed_by == school_user
    assert makeup.confirmation_codes.exists()


def test_another_institutions_student_or_an_individual_is_a_404(results, school_user, admin_alice, client):
    closed(results["theirs"], results["individual"], admin=admin_alice)
    client.force_login(school_user)
    for stranger in (results["theirs"], results["individual"]):
        assert client.post(f"{URL}{stranger.number}/makeup/", **HOST).status_code == 404
    assert not Application.objects.filter(kind=Kind.MAKEUP).exists()


def test_a_refused_make_up_says_why_and_creates_nothing(results, school_user, client):
    passed = results["ours"][0]
    client.force_login(school_user)
    response = client.post(f"{URL}{passed.number}/makeup/", follow=True, **HOST)
    assert "Every subject is passed; there is nothing to make up." in response.content.decode()
    assert not Application.objects.filter(kind=Kind.MAKEUP).exists()


def test_a_tampered_score_shows_under_verification(results, school_user, client):
    failed = results["ours"][1]
    Score.objects.filter(application=failed, subject="practical").update(value="77")
    client.force_login(school_user)
    html = client.get(URL, {"month": "2026-11"}, **HOST).content.decode()
    assert "under verification" in html and ">77<" not in html


def test_only_institution_users_reach_the_page(results, admin_alice, client):
    assert client.get(URL, **HOST).status_code == 302  # to the sign-in page
    candidate = User.objects.create_user(username="cand", password="Cand-pass-2026!")
    grant_role(candidate, Role.CANDIDATE, by=admin_alice)
    client.force_login(candidate)
    assert client.get(URL, **HOST).status_code == 403
