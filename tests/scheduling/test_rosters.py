"""The exam room's papers read from one session (DOMAIN.md §8): candidates in seat order with ticket number,
name, masked ID number, photo and institution, always labelled in Chinese (an official paper)."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone, translation

from skilleval.catalog.models import CatalogItem
from skilleval.people.models import Person
from skilleval.scheduling.models import ExamSession, Room, SeatAssignment, Ticket, Venue
from skilleval.scheduling.rosters import roster_data, roster_workbook, seat_plan_pdf, sign_in_pdf
from skilleval.scheduling.tickets import issue_tickets
from tests.scheduling.factories import seed_paid
from tests.scheduling.test_planning_views import pdf_text, with_photos

pytestmark = pytest.mark.django_db
NOV = timezone.make_aware(datetime(2026, 11, 10, 10, 0))


@pytest.fixture
def session(notice_2026, school):
    """Three candidates seated out of order: two of a school, one alone; the lone one without a photo."""
    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    grouped = seed_paid(item, 2, submitted=NOV, institution=school)
    alone = seed_paid(item, 1, submitted=NOV, start=10)
    with_photos(grouped)
    Person.objects.filter(applications__in=alone).update(photo_name="")
    venue = Venue.objects.create(name="静安考点", address="愚园路 546 号 8 号楼")
    room = Room.objects.create(venue=venue, name="201", kind="theory", capacity=40)
    session = ExamSession.objects.create(
        item=item,
        subject="theory",
        room=room,
        date=date(2026, 12, 15),
        starts_at=time(9, 0),
        ends_at=time(10, 30),
        seats=40,
    )
    for seat, application in zip([3, 1, 2], [*grouped, *alone], strict=True):
        SeatAssignment.objects.create(session=session, application_id=application, seat_number=seat)
    return session


def test_the_rows_come_in_seat_order_with_masked_ids_photos_and_institutions(session, school):
    data = roster_data(session)
    assert [(r.seat, r.name, r.institution) for r in data.rows] == [
        (1, "考生1", school.name),
        (2, "考生10", ""),
        (3, "考生0", school.name),
    ]
    assert all("*" in r.id_masked and len(r.id_masked) == 18 for r in data.rows)
    full_numbers = set(Person.objects.values_list("id_number", flat=True))
    assert not {r.id_masked for r in data.rows} & full_numbers
    with_photo = [r for r in data.rows if r.photo_jpeg]
    assert [r.seat for r in with_photo] == [1, 3] and with_photo[0].photo_jpeg.startswith(b"\xff\xd8")
    assert with_photo[0].photo_jpeg is with_photo[1].photo_jpeg  # one shared file, decrypted once
    assert (data.venue, data.room, data.starts, data.ends) == ("静安考点", "201", time(9, 0), time(10, 30))
    assert data.organization == "上海市计算技术研究所有限公司"


def test_ticket_numbers_appear_once_issued(session):
    assert {r.ticket_number for r in roster_data(session).rows} == {""}
    issue_tickets(session.assignments.values_list("application_id", flat=True))
    numbers = dict(Ticket.objects.values_list("application__person__full_name", "number"))
    assert {r.name: r.ticket_number for r in roster_data(session).rows} == numbers


def test_the_papers_are_in_chinese_whatever_the_page_language(session):
    with translation.override("en"):
        data = roster_data(session)
        pdf, count = sign_in_pdf(session)
    assert (data.item, data.subject) == ("计算机程序设计员 四级/中级工", "理论知识")
    assert count == 3
    text = pdf_text(pdf)
    assert "考场签到表" in text and "计算机程序设计员" in text and "理论知识" in text
    assert all(name in text for name in ("考生0", "考生1", "考生10"))
    seat_plan, _count = seat_plan_pdf(session)
    assert "考场座位表" in pdf_text(seat_plan)


def test_the_workbook_lists_every_candidate(session):
    import io

    import openpyxl

    content, count = roster_workbook(session)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    seats = [tuple(c.value for c in row) for row in workbook["座位表"].iter_rows(min_row=2)]
    assert count == 3 and [(s[0], s[2]) for s in seats] == [(1, "考生1"), (2, "考生10"), (3, "考生0")]
