"""The check-in desk on exam day (issue 6, DOMAIN.md §8): find the candidate by the ticket's code, the ticket
number or the ID number, see the photo (§12 4.4), mark each subject once; the typed ID number never reaches
a URL or a log line (SECURITY.md "Personal data")."""

import io
import logging
import shutil
import subprocess

import pytest
from PIL import Image

from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.lifecycle import Status
from skilleval.audit.models import AuditEntry
from skilleval.core.pdf.toolkit import qr_matrix
from skilleval.scheduling.models import SeatAssignment
from skilleval.scheduling.services import assign_seat, assign_staff
from skilleval.scheduling.tickets import ticket_pdf
from tests.applications.conftest import PHOTO_JPEG
from tests.log_scan import sent_on_purpose
from tests.scheduling.factories import published_session
from tests.scheduling.test_seats import paid

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
LI_MING_ID = "110105199003071239"


@pytest.fixture
def seat_today(li_ming, programmer_l4, reviewer_rui, admin_alice) -> SeatAssignment:
    application = paid(li_ming, programmer_l4, reviewer_rui)
    return assign_seat(published_session(programmer_l4), application, by=admin_alice)


@pytest.fixture
def invigilator(admin_alice, client):
    user = User.objects.create_user(username="zhou", password="Zhou-pass-2026-desk!")
    grant_role(user, Role.EXAMINER, by=admin_alice)
    client.force_login(user)
    return user


def look_up(client, query: str):
    return client.post("/en/desk/", {"q": query}, **HOST)


def test_the_desk_finds_the_candidate_by_ticket_number_with_photo_and_todays_seat(
    seat_today, invigilator, client
):
    ticket = seat_today.application.ticket
    response = look_up(client, ticket.number)
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response.context["card"].seats == [seat_today]
    assert "李明" in html and "110105********1239" in html and ticket.number in html
    assert f'src="/en/desk/photo/{seat_today.pk}.jpg"' in html
    assert f'action="/en/desk/seats/{seat_today.pk}/mark/"' in html
    assert "09:00–10:30" in html and "Seat 1" in html and "Not marked yet." in html


def test_the_desk_finds_the_candidate_by_id_number_by_post_and_never_logs_or_shows_it(
    seat_today, invigilator, client, caplog
):
    caplog.set_level(logging.DEBUG)
    response = client.post("/desk/", {"q": f" {LI_MING_ID[:6]} {LI_MING_ID[6:]} "}, **HOST)
    html = response.content.decode()
    assert response.status_code == 200 and "李明" in html
    assert f"/desk/photo/{seat_today.pk}.jpg" in html
    assert LI_MING_ID not in html  # masked on screen, and the field is not filled back
    with sent_on_purpose():  # a query string finds nothing
        assert client.get(f"/desk/?q={LI_MING_ID}", **HOST).context["card"] is None
    assert LI_MING_ID not in caplog.text
    assert all(LI_MING_ID not in str(r.args) for r in caplog.records)


def test_nobody_seated_today_is_said_plainly(seat_today, invigilator, client, programmer_l4, admin_alice):
    tomorrow = published_session(programmer_l4, 1, room_name="302")
    SeatAssignment.objects.filter(pk=seat_today.pk).update(session=tomorrow)
    response = look_up(client, seat_today.application.ticket.number)
    assert response.context["card"] is None
    assert "No seat today for this ticket or ID number." in response.content.decode()


def test_a_mistyped_ticket_number_is_caught_by_its_check_digit(seat_today, invigilator, client):
    number = seat_today.application.ticket.number
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    response = look_up(client, wrong)
    assert response.context["card"] is None
    assert "This is not a valid ticket number; check the digits." in response.content.decode()


def test_marking_present_once_records_it_moves_the_application_to_sat_and_a_repeat_changes_nothing(
    seat_today, invigilator, client
):
    url = f"/en/desk/seats/{seat_today.pk}/mark/"
    first = client.post(url, {"present": "1"}, **HOST)
    assert first.status_code == 200 and "Marked present." in first.content.decode()
    seat = SeatAssignment.objects.select_related("application").get(pk=seat_today.pk)
    assert seat.present is True and seat.attendance_by == invigilator
    assert seat.application.status == Status.SAT
    assert AuditEntry.objects.filter(action="scheduling.attendance.present").count() == 1

    again = client.post(url, {"present": "1"}, **HOST).content.decode()
    assert "Already marked present" in again and "Nothing changed." in again
    rescan = look_up(client, seat.application.ticket.number).content.decode()
    assert (
        "Already marked present" in rescan and 'value="1" class="mark-present" aria-pressed="true"' in rescan
    )
    assert AuditEntry.objects.filter(action__startswith="scheduling.attendance").count() == 1


def test_mark_needs_a_choice(seat_today, invigilator, client):
    response = client.post(f"/desk/seats/{seat_today.pk}/mark/", {}, **HOST)
    assert response.status_code == 400
    assert SeatAssignment.objects.get(pk=seat_today.pk).present is None


def test_only_invigilators_and_supervisors_use_the_desk(seat_today, reviewer_rui, admin_alice, client):
    client.force_login(reviewer_rui)
    assert client.get("/desk/", **HOST).status_code == 403
    assert client.post("/desk/", {"q": LI_MING_ID}, **HOST).status_code == 403
    assert client.post(f"/desk/seats/{seat_today.pk}/mark/", {"present": "1"}, **HOST).status_code == 403
    assert client.get(f"/desk/photo/{seat_today.pk}.jpg", **HOST).status_code == 403
    assert SeatAssignment.objects.get(pk=seat_today.pk).present is None

    supervisor = User.objects.create_user(username="du", password="Du-pass-2026-desk!")
    grant_role(supervisor, Role.SUPERVISOR, by=admin_alice)
    client.force_login(supervisor)
    assert client.get("/desk/", **HOST).status_code == 200

    client.logout()
    response = client.get("/desk/", **HOST)
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_the_photo_is_served_only_for_a_seat_of_today(
    seat_today, invigilator, client, programmer_l4, reviewer_rui, admin_alice
):
    photo = client.get(f"/desk/photo/{seat_today.pk}.jpg", **HOST)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert photo.content == PHOTO_JPEG and photo["Cache-Control"] == "no-store"

    tomorrow = published_session(programmer_l4, 1, room_name="302")
    SeatAssignment.objects.filter(pk=seat_today.pk).update(session=tomorrow)
    assert client.get(f"/desk/photo/{seat_today.pk}.jpg", **HOST).status_code == 404


def qr_png(text: str, *, scale: int = 8) -> bytes:
    """The QR code as a phone would photograph it, roughly: black on white with a quiet zone, on grey."""
    rows = qr_matrix(text)
    size = len(rows)
    code = Image.frombytes("L", (size, size), b"".join(rows)).resize(
        (size * scale, size * scale), Image.NEAREST
    )
    photo = Image.new("L", (size * scale + 300, size * scale + 200), 180)
    white = Image.new("L", ((size + 8) * scale, (size + 8) * scale), 255)
    white.paste(code, (4 * scale, 4 * scale))
    photo.paste(white, (120, 60))
    out = io.BytesIO()
    photo.save(out, "PNG")
    return out.getvalue()


def test_a_photo_of_the_code_is_read_on_the_server(seat_today, invigilator, client):
    ticket = seat_today.application.ticket
    upload = io.BytesIO(qr_png(ticket.number))
    upload.name = "code.png"
    response = client.post("/en/desk/scan/", {"photo": upload}, **HOST)
    assert response.status_code == 200
    assert response.context["card"].ticket == ticket and "李明" in response.content.decode()


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils is not installed")
def test_the_code_printed_on_the_ticket_is_read_from_a_picture_of_the_page(
    seat_today, invigilator, client, tmp_path
):
    ticket = seat_today.application.ticket
    (tmp_path / "ticket.pdf").write_bytes(ticket_pdf(ticket))
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-singlefile", tmp_path / "ticket.pdf", tmp_path / "page"],
        check=True,
    )
    upload = io.BytesIO((tmp_path / "page.png").read_bytes())
    upload.name = "ticket.png"
    response = client.post("/desk/scan/", {"photo": upload}, **HOST)
    assert response.context["card"].ticket == ticket


def test_a_photo_without_a_code_says_so(seat_today, invigilator, client):
    blank = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 200, 200)).save(blank, "JPEG")
    blank.seek(0)
    blank.name = "blank.jpg"
    response = client.post("/en/desk/scan/", {"photo": blank}, **HOST)
    assert response.context["card"] is None and "No code could be read" in response.content.decode()
    junk = io.BytesIO(b"not an image")
    junk.name = "x.jpg"
    assert client.post("/en/desk/scan/", {"photo": junk}, **HOST).context["card"] is None


def test_closing_a_session_marks_the_rest_absent(
    seat_today, invigilator, client, programmer_l4, reviewer_rui, admin_alice
):
    session = seat_today.session
    page = client.get("/en/desk/", **HOST)
    assert [(s.pk, s.unmarked) for s in page.context["sessions"]] == [(session.pk, 1)]
    assert f'action="/en/desk/sessions/{session.pk}/close/"' in page.content.decode()

    response = client.post(f"/en/desk/sessions/{session.pk}/close/", **HOST)
    assert response.status_code == 302 and response["Location"] == "/en/desk/"
    assert SeatAssignment.objects.get(pk=seat_today.pk).present is False
    entry = AuditEntry.objects.get(action="scheduling.attendance.close")
    assert entry.data == {"absent": 1}

    later = published_session(programmer_l4, 1, room_name="302")
    assert client.post(f"/desk/sessions/{later.pk}/close/", **HOST).status_code == 404


def test_an_invigilator_on_duty_sees_the_sessions_of_their_venue(
    seat_today, invigilator, client, programmer_l4, admin_alice
):
    elsewhere = published_session(programmer_l4, room_name="101", venue_name="长宁考点")
    page = client.get("/desk/", **HOST)
    assert {s.pk for s in page.context["sessions"]} == {seat_today.session_id, elsewhere.pk}
    assign_staff(seat_today.session, invigilator, by=admin_alice)
    page = client.get("/desk/", **HOST)
    assert [s.pk for s in page.context["sessions"]] == [seat_today.session_id]


def test_a_supervisor_corrects_a_wrong_door_mark_after_the_day_and_the_score_can_then_be_entered(
    li_ming, programmer_l4, reviewer_rui, admin_alice
):
    from skilleval.core.errors import DomainError
    from skilleval.results.services import Entry, enter_scores
    from skilleval.scheduling.checkin import correct_attendance

    supervisor = User.objects.create_user(username="sup_desk", password="Sup-pass-2026-desk!")
    grant_role(supervisor, Role.SUPERVISOR, by=admin_alice)
    yesterday = published_session(programmer_l4, -1, room_name="401")
    seat = assign_seat(yesterday, paid(li_ming, programmer_l4, reviewer_rui), by=admin_alice)
    SeatAssignment.objects.filter(pk=seat.pk).update(present=False)
    with pytest.raises(DomainError):
        enter_scores(yesterday, [Entry(seat.pk, "75", False)], by=admin_alice)
    with pytest.raises(DomainError) as caught:
        correct_attendance(seat, True, reason=" ", by=supervisor)
    assert caught.value.code == "reason_required"
    correct_attendance(seat, True, reason="签到表上有本人签名，门口误点缺考", by=supervisor)
    seat.refresh_from_db()
    assert seat.present is True and seat.application.status == "sat"
    assert AuditEntry.objects.filter(action="scheduling.attendance.correct").count() == 1
    assert enter_scores(yesterday, [Entry(seat.pk, "75", False)], by=admin_alice)["entered"] == 1
