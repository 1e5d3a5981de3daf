"""Admission tickets to download (issue 6, DOMAIN.md §7): from 7 days before the exam (policy
ticket.download_days_before), the candidate their own, an institution all its students of a session in one
file; before then, the date it opens. Others' tickets are a 404 (SECURITY.md "Access")."""

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from skilleval.accounts.models import Institution, User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.models import Application, Channel
from skilleval.audit.models import AuditEntry
from skilleval.scheduling.models import Room, Ticket
from skilleval.scheduling.services import assign_seat, change_room
from tests.applications.conftest import make_candidate
from tests.scheduling.factories import id_number, published_session
from tests.scheduling.test_seats import paid

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
needs_pdftotext = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdfinfo")), reason="poppler-utils is not installed"
)


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def pdf_pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def signed_in_candidate(client, person, admin):
    user = User.objects.create_user(username=f"c{person.pk}", password="Candidate-pass-2026!")
    grant_role(user, Role.CANDIDATE, by=admin)
    person.user = user
    person.save(update_fields=["user"])
    client.force_login(user)
    return user


def seated(person, session, reviewer, admin, *, institution=None) -> Application:
    application = paid(person, session.item, reviewer)
    if institution is not None:  # a group student (the group import has its own tests)
        Application.objects.filter(pk=application.pk).update(
            institution=institution, channel=Channel.GROUP, data_confirmed_at=timezone.now()
        )
    assign_seat(session, application, by=admin)
    return Application.objects.get(pk=application.pk)


@pytest.fixture
def ticket_in_a_week(li_ming, programmer_l4, reviewer_rui, admin_alice, client):
    """Li Ming, signed in, seated in a session 7 days from today: the window opens today."""
    session = published_session(programmer_l4, 7)
    signed_in_candidate(client, li_ming, admin_alice)
    return seated(li_ming, session, reviewer_rui, admin_alice)


def test_before_the_window_the_candidate_is_told_the_date_it_opens(
    li_ming, programmer_l4, reviewer_rui, admin_alice, client
):
    session = published_session(programmer_l4, 10)
    signed_in_candidate(client, li_ming, admin_alice)
    application = seated(li_ming, session, reviewer_rui, admin_alice)
    opens = (session.date - timedelta(days=7)).isoformat()

    response = client.get(f"/en/tickets/{application.number}.pdf", **HOST)
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")
    assert f"Your admission ticket can be downloaded from {opens}." in response.content.decode()
    assert not Ticket.objects.get(application=application).pdf_name  # nothing drawn yet
    assert not AuditEntry.objects.filter(action="scheduling.ticket.download").exists()

    page = client.get(f"/en/me/applications/{application.number}/", **HOST).content.decode()
    assert application.ticket.number in page and f"downloaded from {opens}." in page
    assert f"/tickets/{application.number}.pdf" not in page


@needs_pdftotext
def test_from_seven_days_before_the_candidate_downloads_the_ticket_once_audited(ticket_in_a_week, client):
    application = ticket_in_a_week
    ticket = Ticket.objects.get(application=application)
    page = client.get(f"/en/me/applications/{application.number}/", **HOST).content.decode()
    assert f'href="/en/tickets/{application.number}.pdf"' in page

    response = client.get(f"/tickets/{application.number}.pdf", **HOST)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''ticket-{ticket.number}.pdf"
    assert response["Cache-Control"] == "no-store"
    assert ticket.number in pdf_text(response.content)
    entry = AuditEntry.objects.get(action="scheduling.ticket.download")
    assert (entry.target_id, entry.data["application"], entry.data["drawn"]) == (
        str(ticket.pk),
        application.number,
        True,
    )


@needs_pdftotext
def test_the_ticket_is_drawn_in_chinese_whatever_the_pages_language(ticket_in_a_week, client):
    number = ticket_in_a_week.number
    english = client.get(f"/en/tickets/{number}.pdf", **HOST)
    first = Ticket.objects.get(application=ticket_in_a_week)
    text = pdf_text(english.content)
    assert "四级/中级工" in text and "理论知识" in text and "Intermediate" not in text
    client.get(f"/tickets/{number}.pdf", **HOST)
    assert Ticket.objects.get(application=ticket_in_a_week).generated_at == first.generated_at


def test_a_candidate_cannot_download_anothers_ticket(ticket_in_a_week, client, admin_alice):
    other = make_candidate(name="王芳", id_number="310101198505124561")
    signed_in_candidate(client, other, admin_alice)
    assert client.get(f"/tickets/{ticket_in_a_week.number}.pdf", **HOST).status_code == 404
    assert client.get("/tickets/A000000000.pdf", **HOST).status_code == 404
    assert not AuditEntry.objects.filter(action="scheduling.ticket.download").exists()


def test_the_ticket_needs_a_signed_in_candidate(ticket_in_a_week, client):
    client.logout()
    response = client.get(f"/tickets/{ticket_in_a_week.number}.pdf", **HOST)
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_an_unchanged_ticket_is_not_drawn_again_and_a_new_room_draws_it_anew(
    ticket_in_a_week, client, admin_alice
):
    application = ticket_in_a_week
    client.get(f"/tickets/{application.number}.pdf", **HOST)
    first = Ticket.objects.get(application=application)
    assert first.generated_at and first.pdf_fingerprint

    again = client.get(f"/tickets/{application.number}.pdf", **HOST)
    assert again.status_code == 200
    same = Ticket.objects.get(application=application)
    assert (same.generated_at, same.pdf_fingerprint, same.pdf_name) == (
        first.generated_at,
        first.pdf_fingerprint,
        first.pdf_name,
    )

    session = application.seats.get().session
    bigger = Room.objects.create(venue=session.room.venue, name="302", kind="theory", capacity=40)
    change_room(session, bigger, by=admin_alice)
    client.get(f"/tickets/{application.number}.pdf", **HOST)
    redrawn = Ticket.objects.get(application=application)
    assert redrawn.pdf_fingerprint != first.pdf_fingerprint and redrawn.generated_at > first.generated_at
    assert [e.data["drawn"] for e in AuditEntry.objects.filter(action="scheduling.ticket.download")] == [
        True,
        False,
        True,
    ]


# -- institutions -------------------------------------------------------------------------------------------


@pytest.fixture
def group_session(programmer_l4, reviewer_rui, admin_alice, school, li_ming):
    """A session in a week: two students of the school, one of another institution, Li Ming on his own."""
    session = published_session(programmer_l4, 7)
    other = Institution.objects.create(
        name="长宁区培训中心", uscc="91310000MA1FL0000X", contact_email="a@b.example"
    )
    for n, name in enumerate(("张伟", "刘洋")):
        seated(
            make_candidate(name=name, id_number=id_number(n)),
            session,
            reviewer_rui,
            admin_alice,
            institution=school,
        )
    seated(
        make_candidate(name="陈静", id_number=id_number(7)),
        session,
        reviewer_rui,
        admin_alice,
        institution=other,
    )
    seated(li_ming, session, reviewer_rui, admin_alice)
    return session, other


def institution_user(institution, admin, username):
    user = User.objects.create_user(
        username=username, password="Institution-pass-2026!", institution=institution
    )
    grant_role(user, Role.INSTITUTION, by=admin)
    return user


@needs_pdftotext
def test_an_institution_downloads_one_file_with_only_its_own_students(group_session, school_user, client):
    session, _ = group_session
    client.force_login(school_user)
    listing = client.get("/en/tickets/institution/", **HOST)
    assert listing.status_code == 200
    rows = list(listing.context["sessions"])
    assert [(s.pk, s.students) for s in rows] == [(session.pk, 2)]
    assert f"/en/tickets/institution/sessions/{session.pk}.pdf" in listing.content.decode()

    response = client.get(f"/tickets/institution/sessions/{session.pk}.pdf", **HOST)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert pdf_pages(response.content) == 2
    assert "张伟" in text and "刘洋" in text and "陈静" not in text and "李明" not in text
    numbers = Ticket.objects.filter(application__institution=school_user.institution).values_list(
        "number", flat=True
    )
    assert all(n in text for n in numbers)
    entry = AuditEntry.objects.get(action="scheduling.ticket.export")
    assert entry.data == {"institution": school_user.institution_id, "tickets": 2}


def test_another_institutions_session_is_a_404(group_session, programmer_l4, admin_alice, client):
    session, other = group_session
    client.force_login(institution_user(other, admin_alice, "chen"))
    lonely = published_session(programmer_l4, 8, room_name="303")  # nobody of theirs here
    assert client.get(f"/tickets/institution/sessions/{lonely.pk}.pdf", **HOST).status_code == 404
    assert client.get("/tickets/institution/sessions/999999.pdf", **HOST).status_code == 404
    listing = client.get("/tickets/institution/", **HOST)
    assert [(s.pk, s.students) for s in listing.context["sessions"]] == [(session.pk, 1)]
    assert not AuditEntry.objects.filter(action="scheduling.ticket.export").exists()


def test_before_the_window_the_institution_is_told_the_date(
    programmer_l4, reviewer_rui, admin_alice, school, school_user, client
):
    session = published_session(programmer_l4, 9)
    seated(
        make_candidate(name="张伟", id_number=id_number(1)),
        session,
        reviewer_rui,
        admin_alice,
        institution=school,
    )
    client.force_login(school_user)
    opens = (session.date - timedelta(days=7)).isoformat()
    response = client.get(f"/en/tickets/institution/sessions/{session.pk}.pdf", **HOST)
    assert response.status_code == 403
    assert f"Your admission ticket can be downloaded from {opens}." in response.content.decode()
    assert f"from {opens}" in client.get("/en/tickets/institution/", **HOST).content.decode()


def test_an_institution_user_detached_from_the_institution_sees_no_individual_candidate(
    group_session, school_user, client
):
    session, _ = group_session  # Li Ming, an individual candidate, sits here too
    User.objects.filter(pk=school_user.pk).update(institution=None)  # the role stays behind
    client.force_login(school_user)
    assert client.get("/tickets/institution/", **HOST).status_code == 404
    assert client.get(f"/tickets/institution/sessions/{session.pk}.pdf", **HOST).status_code == 404


def test_a_candidate_cannot_open_the_institution_pages(ticket_in_a_week, client):
    assert client.get("/tickets/institution/", **HOST).status_code == 403
