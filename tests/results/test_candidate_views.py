"""A candidate's results on the application page (issue 7, DOMAIN.md §9, §10): scores once published, the
public notice and review window, answered reviews, the make-up ledger and the make-up application. Another
candidate's number is a 404 (SECURITY.md "Access"); a score edited behind the application's back shows as
"under verification" (SECURITY.md "Audit and integrity")."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Channel, Kind, Source
from skilleval.applications.services import start_application
from skilleval.audit.models import AuditEntry
from skilleval.payments.services import quote
from skilleval.people.models import Person
from skilleval.results.models import Result, ReviewRequest, Score
from skilleval.results.services import (
    Entry,
    answer_review,
    close_results,
    enter_scores,
    publish_session,
    result_tag,
    verify_scores,
)
from skilleval.scheduling.models import SeatAssignment

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
# Seat order: Zhao passes, Qian fails the practical (57.5 under the pass mark 60), Sun is absent from it.
THEORY, PRACTICAL = ["72", "81.5", "90"], ["80", "57.5", None]


def enter_and_verify(sessions, a, b):
    for kind, values in (("theory", THEORY), ("practical", PRACTICAL)):
        session = sessions[kind]
        seats = SeatAssignment.objects.filter(session=session).order_by("seat_number")
        entries = [Entry(s.pk, v or "", v is None) for s, v in zip(seats, values, strict=True)]
        enter_scores(session, entries, by=a)
        verify_scores(session, by=b)


def publish(sessions, supervisor):
    for session in sessions.values():
        publish_session(session, by=supervisor)


def sign_in(client, application, admin, name):
    user = User.objects.create_user(username=name, password="Candidate-pass-2026!")
    grant_role(user, Role.CANDIDATE, by=admin)
    Person.objects.filter(pk=application.person_id).update(user=user)
    client.force_login(user)
    return user


def page(client, application) -> str:
    response = client.get(f"/en/me/applications/{application.number}/", **HOST)
    assert response.status_code == 200
    return response.content.decode()


def applications_of(application):
    return Application.objects.filter(person_id=application.person_id)


@pytest.fixture
def published(held, examiner_a, examiner_b, supervisor_s):
    """The held exam day, marked by two examiners and published by a supervisor."""
    item, applications, sessions = held
    enter_and_verify(sessions, examiner_a, examiner_b)
    publish(sessions, supervisor_s)
    return item, applications


@pytest.fixture
def qian(published, admin_alice, client):
    """Qian, who failed the practical, signed in."""
    _item, applications = published
    user = sign_in(client, applications[1], admin_alice, "qian")
    return applications[1], user


def closed(application, admin):
    """The notice period is over with no review open: the failed application is closed (a make-up may
    follow)."""
    result = Result.objects.get(application=application)
    close_results(by=admin, on=result.notice_until + timedelta(days=1))
    assert Application.objects.get(pk=application.pk).status == Status.FAILED


def test_the_candidate_sees_the_scores_only_once_they_are_published(
    held, examiner_a, examiner_b, supervisor_s, admin_alice, client
):
    _item, applications, sessions = held
    qian = applications[1]
    sign_in(client, qian, admin_alice, "qian")
    enter_and_verify(sessions, examiner_a, examiner_b)

    before = page(client, qian)
    assert "81.5" not in before and "57.5" not in before and 'id="results"' not in before

    publish(sessions, supervisor_s)
    after = page(client, qian)
    result = Result.objects.get(application=qian)
    assert 'id="results"' in after
    assert "81.5" in after and "57.5" in after and "Not passed" in after  # DOMAIN.md §9: every subject
    notice = result.notice_until.isoformat()
    assert f"Results are on public notice until {notice}; you may ask for a review until then." in after
    assert "Ask for a review of Practical skills" in after


def test_an_absent_subject_reads_absent_and_fails(published, admin_alice, client):
    _item, applications = published
    sun = applications[2]
    sign_in(client, sun, admin_alice, "sun")
    html = page(client, sun)
    assert "Absent" in html and "Not passed" in html
    assert Score.objects.get(application=sun, subject="practical").absent


def test_a_review_inside_the_notice_period_is_recorded_audited_and_its_answer_shown(
    qian, supervisor_s, client
):
    application, user = qian
    response = client.post(
        f"/en/my-results/{application.number}/review/",
        {"subject": "practical", "reason": "I finished the task; please re-mark step 3."},
        **HOST,
    )
    assert response.status_code == 302 and response["Location"].endswith(
        f"/me/applications/{application.number}/#results"
    )
    review = ReviewRequest.objects.get(result__application=application)
    assert (review.subject, review.state, review.requested_by) == ("practical", "open", user)
    assert AuditEntry.objects.filter(action="results.review.request", actor_id=user.pk).count() == 1
    html = page(client, application)
    assert "Being reviewed" in html and "Ask for a review of Practical skills" not in html  # one open
    assert "Ask for a review of Theory knowledge" in html

    answer_review(
        review, changed=False, answer="Re-marked by a second examiner: 57.5 stands.", by=supervisor_s
    )
    html = page(client, application)
    assert "Re-marked by a second examiner: 57.5 stands." in html and "Score upheld" in html


def test_after_the_notice_period_a_review_is_refused_with_the_date(qian, client):
    application, _user = qian
    last_day = timezone.localdate() - timedelta(days=1)
    Result.objects.filter(application=application).update(notice_until=last_day)

    response = client.post(
        f"/en/my-results/{application.number}/review/",
        {"subject": "practical", "reason": "Please re-mark."},
        follow=True,
        **HOST,
    )
    html = response.content.decode()
    assert f"Reviews could be asked until {last_day}." in html
    assert f"The public notice ended on {last_day.isoformat()}" in html
    assert not ReviewRequest.objects.exists()
    assert not AuditEntry.objects.filter(action="results.review.request").exists()


def test_another_candidates_application_is_a_404_for_reviews_and_make_ups(published, admin_alice, client):
    _item, applications = published
    zhao, qian = applications[0], applications[1]
    closed(qian, admin_alice)
    sign_in(client, zhao, admin_alice, "zhao")

    for action, data in (("review", {"subject": "practical", "reason": "x"}), ("makeup", {})):
        assert client.post(f"/en/my-results/{qian.number}/{action}/", data, **HOST).status_code == 404
        assert client.post(f"/en/my-results/NOSUCH/{action}/", data, **HOST).status_code == 404
    assert not ReviewRequest.objects.exists()
    assert not Application.objects.filter(kind=Kind.MAKEUP).exists()


def test_a_make_up_retakes_the_failed_subjects_priced_per_subject(qian, admin_alice, programmer_l4, client):
    application, user = qian
    closed(application, admin_alice)
    html = page(client, application)
    assert "Apply for a make-up of: Practical skills" in html
    assert "Passed subjects are kept until 2028-11-18:" in html  # level 4: two years from the exam (§10)

    response = client.post(f"/en/my-results/{application.number}/makeup/", **HOST)

    makeup = Application.objects.get(person_id=application.person_id, kind=Kind.MAKEUP)
    assert response.status_code == 302 and response["Location"].endswith(f"/me/applications/{makeup.number}/")
    assert makeup.retake_subjects == ["practical"] and makeup.channel == Channel.ONLINE
    assert makeup.status == Status.DRAFT and makeup.results_valid_until == date(2028, 11, 18)
    assert makeup.created_by == user
    assert AuditEntry.objects.filter(action="results.makeup.start", actor_id=user.pk).count() == 1
    practical_fee = programmer_l4.subjects.get(kind="practical").fee
    assert quote(makeup).total == practical_fee  # DOMAIN.md §6: the failed subjects only
    html = page(client, makeup)
    assert "This make-up application retakes: Practical skills." in html
    assert "Submit the make-up application" in html
    # the form on that page submits the make-up draft through the ordinary apply step, with the pledge
    client.post("/en/me/apply/", {"item": programmer_l4.pk, "pledge": "on"}, **HOST)
    makeup.refresh_from_db()
    assert makeup.status == Status.SUBMITTED and makeup.pledge_accepted_at is not None

    # the make-up is under way: a second one is refused
    client.post(f"/en/my-results/{application.number}/makeup/", **HOST)
    assert applications_of(application).filter(kind=Kind.MAKEUP).count() == 1


def test_during_the_notice_period_the_make_up_waits_for_the_result_to_close(qian, client):
    application, _user = qian
    html = page(client, application)
    assert "Apply for a make-up" not in html
    assert "A make-up can be asked for once the public notice period" in html

    client.post(f"/en/my-results/{application.number}/makeup/", **HOST)
    assert not applications_of(application).filter(kind=Kind.MAKEUP).exists()


def test_no_make_up_once_the_results_have_expired(qian, admin_alice, client):
    application, _user = qian
    closed(application, admin_alice)
    result = Result.objects.get(application=application)
    result.valid_until = timezone.localdate() - timedelta(days=1)  # two years have passed (§10)
    Result.objects.filter(pk=result.pk).update(valid_until=result.valid_until, tag=result_tag(result))

    html = page(client, application)
    assert f"The results were valid until {result.valid_until}; every subject is taken again." in html
    assert "Apply for a make-up" not in html
    response = client.post(f"/en/my-results/{application.number}/makeup/", follow=True, **HOST)
    assert "every subject is taken again" in response.content.decode()
    assert not applications_of(application).filter(kind=Kind.MAKEUP).exists()


def test_no_make_up_after_the_municipal_skills_competition(qian, admin_alice, client):
    application, _user = qian
    closed(application, admin_alice)
    Application.objects.filter(pk=application.pk).update(source=Source.COMPETITION)

    assert "Results from the municipal skills competition cannot be made up." in page(client, application)
    client.post(f"/en/my-results/{application.number}/makeup/", **HOST)
    assert not applications_of(application).filter(kind=Kind.MAKEUP).exists()


def test_a_later_regular_application_forfeits_the_make_up(qian, admin_alice, programmer_l4, client):
    application, user = qian
    closed(application, admin_alice)
    person = Person.objects.get(pk=application.person_id)
    start_application(person, programmer_l4, channel=Channel.ONLINE, by=user, forfeit_confirmed=True)

    html = page(client, application)
    assert "A later regular application for this item gave up the make-up and the passed subjects." in html
    client.post(f"/en/my-results/{application.number}/makeup/", **HOST)
    assert not applications_of(application).filter(kind=Kind.MAKEUP).exists()


def test_a_tampered_score_shows_under_verification_and_blocks_the_make_up(qian, admin_alice, client):
    application, _user = qian
    closed(application, admin_alice)
    Score.objects.filter(application=application, subject="practical").update(value=Decimal("99"))

    html = page(client, application)
    # Neither the tampered value nor the published one is shown (as a score: "99.0", "57.5"; the page's
    # CSRF token may hold the digits 99 by chance).
    assert "under verification" in html and "99.0" not in html and "57.5" not in html
    assert "Apply for a make-up" not in html
    response = client.post(f"/en/my-results/{application.number}/makeup/", follow=True, **HOST)
    assert "under verification" in response.content.decode()
    assert not applications_of(application).filter(kind=Kind.MAKEUP).exists()


def test_a_pass_offers_no_make_up_and_a_tampered_result_is_not_trusted(published, admin_alice, client):
    _item, applications = published
    zhao = applications[0]
    sign_in(client, zhao, admin_alice, "zhao")
    html = page(client, zhao)
    assert "<strong>Passed</strong>" in html and "Make-up" not in html

    Result.objects.filter(application=zhao).update(passed=False)  # edited behind the application's back
    html = page(client, zhao)
    assert "<strong>Under verification</strong>" in html and "Not passed</strong>" not in html
    assert "Apply for a make-up" not in html
