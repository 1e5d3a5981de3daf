"""Exam-day check-in (DOMAIN.md §8): find the candidate by the ticket's code, the ticket number or the ID
number, show the photo for the face check (§12 4.4), and mark attendance per subject.

Marking the same thing twice changes nothing and writes nothing (a second scan at the door is harmless); a
correction (present → absent) is a change with its audit row. The first "present" moves the application to
"sat". Attendance is marked on the session's day only.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.applications.services import mark_sat
from skilleval.audit.services import record
from skilleval.core.errors import DomainError
from skilleval.people.models import DocumentType, Person
from skilleval.people.services import find_person
from skilleval.scheduling.models import SeatAssignment, Ticket
from skilleval.scheduling.tickets import valid_ticket_number


@dataclass
class Card:
    """What the desk sees: who, with which photo, and today's seats."""

    person: Person
    ticket: Ticket | None
    seats: list[SeatAssignment]


def _normalise(query: str) -> str:
    return "".join(query.split()).upper()


def find(query: str, *, on=None) -> Card | None:
    """The candidate for a scanned code, a typed ticket number or an ID number, with their seats of the day.

    None when nothing matches, or the candidate has no seat that day (the desk says so either way)."""
    on = on or timezone.localdate()
    text = _normalise(query)
    if not text:
        return None
    if text.isdigit() and len(text) == 13:
        if not valid_ticket_number(text):
            raise DomainError(_("This is not a valid ticket number; check the digits."), code="bad_ticket")
        ticket = Ticket.objects.select_related("application__person").filter(number=text).first()
        if ticket is None:
            return None
        seats = _seats(Application.objects.filter(pk=ticket.application_id), on)
        return Card(person=ticket.application.person, ticket=ticket, seats=seats) if seats else None
    person = _person_by_id(text)
    if person is None:
        return None
    seats = _seats(person.applications.all(), on)
    if not seats:
        return None
    ticket = Ticket.objects.filter(application_id=seats[0].application_id).first()
    return Card(person=person, ticket=ticket, seats=seats)


def _person_by_id(text: str) -> Person | None:
    for id_type in DocumentType.values:
        try:
            person = find_person(id_type, text)
        except DomainError:
            continue
        if person is not None:
            return person
    return None


def _seats(applications, on) -> list[SeatAssignment]:
    return list(
        SeatAssignment.objects.filter(
            application__in=applications,
            session__date=on,
            application__status__in=(Status.SCHEDULED, Status.SAT),
        )
        .select_related(
            "session__room__venue", "session__item__occupation", "session__item__work_type", "application"
        )
        .order_by("session__starts_at")
    )


def mark(seat: SeatAssignment, present: bool, *, by) -> tuple[SeatAssignment, bool]:
    """Mark one subject present or absent; returns the seat and whether anything changed."""
    with transaction.atomic():
        seat = (
            SeatAssignment.objects.select_for_update()
            .select_related("session", "application")
            .get(pk=seat.pk)
        )
        if seat.session.date != timezone.localdate():
            raise DomainError(_("Attendance is marked on the day of the session."), code="not_today")
        if seat.present is present:
            return seat, False
        before = seat.present
        seat.present, seat.attendance_at, seat.attendance_by = present, timezone.now(), by
        seat.save(update_fields=["present", "attendance_at", "attendance_by"])
        record(
            by,
            "scheduling.attendance.present" if present else "scheduling.attendance.absent",
            seat,
            {"application": seat.application.number, "subject": seat.session.subject, "before": before},
        )
        if present and seat.application.status == Status.SCHEDULED:
            mark_sat(seat.application, by=by, reason=str(seat.session))
        return seat, True


def close_attendance(session, *, by) -> int:
    """After the session: everyone not marked is absent. Returns how many were marked absent."""
    with transaction.atomic():
        if session.date != timezone.localdate():
            raise DomainError(_("Attendance is marked on the day of the session."), code="not_today")
        seats = list(SeatAssignment.objects.select_for_update().filter(session=session, present__isnull=True))
        now = timezone.now()
        SeatAssignment.objects.filter(pk__in=[s.pk for s in seats]).update(
            present=False, attendance_at=now, attendance_by=by
        )
        record(by, "scheduling.attendance.close", session, {"absent": len(seats)})
    return len(seats)


def correct_attendance(seat: SeatAssignment, present: bool, *, reason: str, by) -> SeatAssignment:
    """A supervisor corrects a door mark after the exam day (a candidate wrongly marked absent would
    otherwise never get the score entered). Refused once a score of the seat is verified: the score's own
    change request is the way then."""
    if not reason.strip():
        raise DomainError(_("Give the reason for the correction."), code="reason_required")
    with transaction.atomic():
        seat = (
            SeatAssignment.objects.select_for_update()
            .select_related("session", "application")
            .get(pk=seat.pk)
        )
        score = getattr(seat, "score", None)  # the results area's row, if any (a reverse one-to-one)
        if score is not None and score.state != "entered":
            raise DomainError(
                _("The score of this seat is already verified; ask for a change of the score instead."),
                code="score_verified",
            )
        if seat.present is present:
            return seat
        before = seat.present
        seat.present, seat.attendance_at, seat.attendance_by = present, timezone.now(), by
        seat.save(update_fields=["present", "attendance_at", "attendance_by"])
        record(
            by,
            "scheduling.attendance.correct",
            seat,
            {
                "application": seat.application.number,
                "before": before,
                "after": present,
                "reason": reason[:300],
            },
        )
        if present and seat.application.status == Status.SCHEDULED:
            mark_sat(seat.application, by=by, reason=reason[:300])
    return seat
