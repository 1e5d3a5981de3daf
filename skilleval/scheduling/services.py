"""Seats (issue 6 "Seats"): assigned under a lock on the session, safe when many assign at once.

Two clerks, or a planning job and a clerk, may want the last seat of a session at the same moment: the
session row is locked for the assignment, so exactly one gets it and the others get a clean "full". A lock
that cannot be had within a few seconds also answers "full, try again" rather than hanging."""

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext as _

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.applications.services import schedule
from skilleval.audit.services import record
from skilleval.core.errors import DomainError
from skilleval.scheduling.models import ExamSession, SeatAssignment

LOCK_TIMEOUT = "5s"


def _full() -> DomainError:
    return DomainError(_("This session is full."), code="full")


def assign_seat(session: ExamSession, application: Application, *, by) -> SeatAssignment:
    """A seat for a paid (or already scheduled) application of this session's item; idempotent."""
    if application.item_id != session.item_id:
        raise DomainError(_("The application is for another item."), code="wrong_item")
    if application.status not in (Status.PAID, Status.SCHEDULED):
        raise DomainError(_("Only a paid application can be given a seat."), code="not_paid")
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            locked = ExamSession.objects.select_for_update().get(pk=session.pk)
            existing = SeatAssignment.objects.filter(session=locked, application=application).first()
            if existing is not None:
                return existing
            taken = set(SeatAssignment.objects.filter(session=locked).values_list("seat_number", flat=True))
            free = next((n for n in range(1, locked.seats + 1) if n not in taken), None)
            if free is None:
                raise _full()
            seat = SeatAssignment.objects.create(
                session=locked, application=application, seat_number=free, assigned_by=by
            )
            if application.status == Status.PAID:
                schedule(application, by=by, reason=str(locked))
            record(by, "scheduling.seat.assign", seat, {"application": application.number, "seat": free})
            return seat
    except OperationalError as exc:  # the lock wait timed out
        raise DomainError(_("The session is busy; try again."), code="busy") from exc
    except IntegrityError as exc:  # the database's seat rules, should the lock ever be bypassed
        raise _full() from exc
