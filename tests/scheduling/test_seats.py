"""Seats (issue 6): the database holds one seat per candidate and one candidate per seat; the last seat,
raced by many, goes to exactly one (SECURITY.md "Concurrency and money")."""

import threading
from datetime import date, time

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

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
from skilleval.scheduling.models import ExamSession, Room, SeatAssignment, Ticket, Venue
from skilleval.scheduling.services import assign_seat, move_seat
from skilleval.scheduling.tickets import valid_ticket_number
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
        state=ExamSession.State.PUBLISHED,
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
    ticket = Ticket.objects.get(application=application)  # a published seat comes with its ticket number
    assert valid_ticket_number(ticket.number) and ticket.number.startswith(
        timezone.localdate().strftime("%Y%m")
    )


def test_a_seat_in_a_draft_session_waits_for_the_plan_to_be_published(
    li_ming, programmer_l4, reviewer_rui, admin_alice
):
    session = session_for(programmer_l4, seats=2)
    ExamSession.objects.filter(pk=session.pk).update(state=ExamSession.State.DRAFT)
    session.refresh_from_db()
    application = paid(li_ming, programmer_l4, reviewer_rui)
    assign_seat(session, application, by=admin_alice)
    assert Application.objects.get(pk=application.pk).status == Status.PAID
    assert not Ticket.objects.exists()


def test_theory_and_practical_of_one_candidate_fall_on_the_same_day(
    li_ming, programmer_l4, reviewer_rui, admin_alice
):
    theory = session_for(programmer_l4, seats=2)
    lab = Room.objects.create(venue=theory.room.venue, name="机房", kind="practical", capacity=5)
    other_day = ExamSession.objects.create(
        item=programmer_l4,
        subject="practical",
        room=lab,
        date=date(2026, 12, 16),
        starts_at=time(13, 30),
        ends_at=time(15, 0),
        seats=5,
        state=ExamSession.State.PUBLISHED,
    )
    application = paid(li_ming, programmer_l4, reviewer_rui)
    assign_seat(theory, application, by=admin_alice)
    with pytest.raises(DomainError) as caught:
        assign_seat(other_day, application, by=admin_alice)
    assert caught.value.code == "same_day"
    assert SeatAssignment.objects.filter(application=application).count() == 1


def test_a_seat_moves_to_another_room_of_the_same_subject_with_its_audit_row(
    li_ming, programmer_l4, reviewer_rui, admin_alice
):
    first = session_for(programmer_l4, seats=2)
    room = Room.objects.create(venue=first.room.venue, name="302", kind="theory", capacity=3)
    second = ExamSession.objects.create(
        item=programmer_l4,
        subject="theory",
        room=room,
        date=first.date,
        starts_at=first.starts_at,
        ends_at=first.ends_at,
        seats=3,
        state=ExamSession.State.PUBLISHED,
    )
    seat = assign_seat(first, paid(li_ming, programmer_l4, reviewer_rui), by=admin_alice)
    moved = move_seat(seat, second, by=admin_alice)
    assert (moved.session_id, moved.seat_number) == (second.pk, 1)
    assert not SeatAssignment.objects.filter(session=first).exists()
    assert AuditEntry.objects.filter(action="scheduling.seat.move").count() == 1


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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_moves_and_new_seats_racing_for_the_last_seat_one_gets_it(notice_2026, reviewer_rui, admin_alice):
    """Ten clerks moving candidates in and ten seating new ones, all for the one seat left."""
    from skilleval.catalog.models import CatalogItem

    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    target = session_for(item, seats=1)
    source = ExamSession.objects.create(
        item=item,
        subject="theory",
        room=Room.objects.create(venue=target.room.venue, name="302", kind="theory", capacity=10),
        date=target.date,
        starts_at=target.starts_at,
        ends_at=target.ends_at,
        seats=10,
        state=ExamSession.State.PUBLISHED,
    )
    movers = [
        assign_seat(
            source,
            paid(make_candidate(name=f"甲{n}", id_number=id_number(n)), item, reviewer_rui),
            by=admin_alice,
        )
        for n in range(10)
    ]
    newcomers = [
        paid(make_candidate(name=f"乙{n}", id_number=id_number(100 + n)), item, reviewer_rui)
        for n in range(10)
    ]
    barrier, won, refused = threading.Barrier(20), [], []

    def attempt(action):
        try:
            barrier.wait()
            won.append(action())
        except DomainError as exc:
            refused.append(exc.code)
        finally:
            connections.close_all()

    actions = [lambda s=s: move_seat(s, target, by=admin_alice) for s in movers] + [
        lambda a=a: assign_seat(target, a, by=admin_alice) for a in newcomers
    ]
    threads = [threading.Thread(target=attempt, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and refused == ["full"] * 19
    assert SeatAssignment.objects.filter(session=target).count() == 1
    assert SeatAssignment.objects.filter(session=source).count() == 10 - sum(
        1 for w in won if w.application_id in {m.application_id for m in movers}
    )
