"""Seats (issue 6): the database holds one seat per candidate and one candidate per seat; the last seat,
raced by many, goes to exactly one (SECURITY.md "Concurrency and money")."""

import threading
from datetime import date, time

import pytest
from django.db import IntegrityError, connections, transaction

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Channel
from skilleval.applications.services import (
    accept_pledge,
    approve,
    mark_paid,
    start_application,
    submit_application,
)
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from skilleval.scheduling.models import ExamSession, Room, SeatAssignment, Venue
from skilleval.scheduling.services import assign_seat
from tests.applications.conftest import make_candidate

pytestmark = pytest.mark.django_db
WEIGHTS, CHECK = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], "10X98765432"


def id_number(serial: int) -> str:
    body = f"31010119900101{serial:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def paid(person, item, reviewer, **kwargs):
    application = start_application(person, item, by=None, **{"channel": Channel.ONLINE, **kwargs})
    accept_pledge(application, by=None)
    submit_application(application, by=None)
    approve(application, reviewer=reviewer)
    return mark_paid(application, by=None)


def session_for(item, seats: int) -> ExamSession:
    venue = Venue.objects.create(name="静安考点", address="愚园路 546 号")
    room = Room.objects.create(venue=venue, name="301", kind="theory", capacity=seats)
    return ExamSession.objects.create(
        item=item,
        subject="theory",
        room=room,
        date=date(2026, 12, 15),
        starts_at=time(9, 0),
        ends_at=time(10, 30),
        seats=seats,
    )


def test_seats_are_numbered_the_candidate_is_scheduled_and_a_repeat_changes_nothing(
    li_ming, programmer_l4, reviewer_rui, admin_alice
):
    session = session_for(programmer_l4, seats=2)
    application = paid(li_ming, programmer_l4, reviewer_rui)
    seat = assign_seat(session, application, by=admin_alice)
    assert seat.seat_number == 1
    assert assign_seat(session, application, by=admin_alice) == seat
    assert Application.objects.get(pk=application.pk).status == Status.SCHEDULED
    assert AuditEntry.objects.filter(action="scheduling.seat.assign").count() == 1


def test_a_full_session_says_so(li_ming, programmer_l4, reviewer_rui, admin_alice):
    session = session_for(programmer_l4, seats=1)
    assign_seat(session, paid(li_ming, programmer_l4, reviewer_rui), by=admin_alice)
    other = paid(make_candidate(name="王芳", id_number="310101198505124561"), programmer_l4, reviewer_rui)
    with pytest.raises(DomainError) as caught:
        assign_seat(session, other, by=admin_alice)
    assert caught.value.code == "full"
    assert Application.objects.get(pk=other.pk).status == Status.PAID


def test_an_unpaid_application_gets_no_seat(li_ming, programmer_l4, admin_alice):
    session = session_for(programmer_l4, seats=5)
    draft = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    with pytest.raises(DomainError) as caught:
        assign_seat(session, draft, by=admin_alice)
    assert caught.value.code == "not_paid" and not SeatAssignment.objects.exists()


def test_a_group_student_who_has_not_confirmed_their_data_gets_no_seat(
    li_ming, programmer_l4, reviewer_rui, admin_alice, school
):
    session = session_for(programmer_l4, seats=5)
    application = paid(li_ming, programmer_l4, reviewer_rui, channel=Channel.GROUP, institution=school)
    with pytest.raises(DomainError) as caught:
        assign_seat(session, application, by=admin_alice)
    assert caught.value.code == "data_unconfirmed"
    assert not SeatAssignment.objects.exists()  # the seat taken on the way was rolled back


def test_the_database_holds_the_seat_rules(li_ming, programmer_l4, reviewer_rui, admin_alice):
    session = session_for(programmer_l4, seats=5)
    first = paid(li_ming, programmer_l4, reviewer_rui)
    assign_seat(session, first, by=admin_alice)
    second = paid(make_candidate(name="王芳", id_number="310101198505124561"), programmer_l4, reviewer_rui)
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatAssignment.objects.create(session=session, application=second, seat_number=1)  # seat taken
    with pytest.raises(IntegrityError), transaction.atomic():
        SeatAssignment.objects.create(session=session, application=first, seat_number=2)  # candidate seated


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_candidates_racing_for_the_last_seat_one_gets_it(notice_2026, reviewer_rui, admin_alice):
    from skilleval.catalog.models import CatalogItem

    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    session = session_for(item, seats=1)
    applications = [
        paid(make_candidate(name=f"考生{n}", id_number=id_number(n)), item, reviewer_rui) for n in range(50)
    ]
    barrier, results, errors = threading.Barrier(50), [], []

    def take(application):
        try:
            barrier.wait()
            results.append(assign_seat(session, application, by=admin_alice).pk)
        except DomainError as exc:
            errors.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(a,)) for a in applications]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 1 and sorted(set(errors)) == ["full"] and len(errors) == 49
    assert SeatAssignment.objects.filter(session=session).count() == 1
    assert Application.objects.filter(status=Status.SCHEDULED).count() == 1
