"""Admission tickets (准考证, DOMAIN.md §7): numbers, the data a ticket shows, its PDF and when it opens.

A ticket number is 13 digits: the year and month of issue, a serial taken under a row lock on that month's
counter (many at once in one update when a plan is published), and a Luhn check digit, so a digit mistyped
at the check-in desk is caught before any lookup.

A ticket is drawn once and kept (encrypted, privacy.files) with the fingerprint of the data it shows; the
next download compares the fingerprint of the current data (seat, room, time, name, photo) and draws a new
one only when something changed. The candidate may download it from `ticket.download_days_before` days
before the first exam (policy, default 7), and is told the date before then.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone, translation

from skilleval.catalog.models import SUBJECT_ORDER, Level, SubjectKind
from skilleval.core.pdf.ticket import DEFAULT_RULES, TicketData, TicketSubject, render_ticket, render_tickets
from skilleval.dbtools import insert_dicts, take_serials
from skilleval.organization.models import Organization
from skilleval.organization.policy import policy
from skilleval.people.services import photo_bytes
from skilleval.privacy.files import delete_private, read_private, store_private
from skilleval.scheduling.models import SeatAssignment, Ticket, TicketCounter

PDF_PURPOSE = "scheduling.ticket.pdf"


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            n -= 9 if n > 9 else 0
        total += n
    return str(-total % 10)


def valid_ticket_number(text: str) -> bool:
    return len(text) == 13 and text.isdigit() and luhn_digit(text[:-1]) == text[-1]


def take_numbers(count: int, *, on: date | None = None) -> list[str]:
    """`count` new ticket numbers of this month, in one locked update of the month's counter."""
    if count <= 0:
        return []
    on = on or timezone.localdate()
    prefix = f"{on.year:04d}{on.month:02d}"
    with transaction.atomic():
        serials = take_serials(TicketCounter, prefix, count, limit=999_999)
    body = (f"{prefix}{serial:06d}" for serial in serials)
    return [b + luhn_digit(b) for b in body]


def issue_tickets(application_ids: Iterable[int]) -> int:
    """A ticket number for each of these scheduled applications that has none yet; returns how many."""
    ids = set(application_ids)
    with transaction.atomic():
        have = set(Ticket.objects.filter(application__in=ids).values_list("application_id", flat=True))
        todo = sorted(ids - have)
        numbers = take_numbers(len(todo))
        insert_dicts(
            Ticket,
            ({"application_id": a, "number": n} for a, n in zip(todo, numbers, strict=True)),
        )
    return len(todo)


# -- what a ticket shows ------------------------------------------------------------------------------------


def _tickets(query) -> Iterator[tuple[Ticket, list[SeatAssignment]]]:
    tickets = list(
        query.select_related(
            "application__person", "application__item__occupation", "application__item__work_type"
        ).order_by("number")
    )
    seats = defaultdict(list)
    for seat in (
        SeatAssignment.objects.filter(application__in=[t.application_id for t in tickets])
        .select_related("session__room__venue")
        .order_by("session__date", "session__starts_at")
    ):
        seats[seat.application_id].append(seat)
    for ticket in tickets:
        yield ticket, seats[ticket.application_id]


def _data(
    ticket: Ticket, seats: list[SeatAssignment], organization: Organization, *, photo: bool
) -> TicketData:
    """The ticket is an official paper, in Chinese whatever the language of the page that asks for it (and
    so its fingerprint does not change with the language)."""
    with translation.override("zh-hans"):
        return _chinese_data(ticket, seats, organization, photo=photo)


def _chinese_data(ticket, seats, organization, *, photo: bool) -> TicketData:
    application = ticket.application
    person, item = application.person, application.item
    subjects = tuple(
        TicketSubject(
            subject=str(SubjectKind(s.session.subject).label),
            date=s.session.date,
            starts=s.session.starts_at,
            ends=s.session.ends_at,
            venue=s.session.room.venue.name,
            address=s.session.room.venue.address,
            room=s.session.room.name,
            seat=s.seat_number,
        )
        for s in sorted(
            seats, key=lambda s: (s.session.date, s.session.starts_at, SUBJECT_ORDER[s.session.subject])
        )
    )
    return TicketData(
        number=ticket.number,
        name=person.full_name,
        id_masked=person.id_number_masked,
        photo_jpeg=photo_bytes(person) if photo and person.photo_name else None,
        occupation=item.occupation.name,
        occupation_code=item.occupation.code,
        work_type=item.work_type.name if item.work_type_id else "",
        level=str(Level(item.level).label),
        subjects=subjects,
        organization=organization.name,
        filing_number=organization.filing_number,
        rules=DEFAULT_RULES,
        issued_on=ticket.issued_at.date() if ticket.issued_at else timezone.localdate(),
    )


def fingerprint(data: TicketData, photo_sha256: str) -> str:
    """What the ticket shows, as a digest: the photo by its digest, the rest by value."""
    return hashlib.sha256(f"{replace(data, photo_jpeg=None)!r}|{photo_sha256}".encode()).hexdigest()


def opens_on(ticket: Ticket) -> date | None:
    """The first day the candidate may download the ticket; None while they have no seat."""
    first = (
        SeatAssignment.objects.filter(application_id=ticket.application_id)
        .order_by("session__date")
        .values_list("session__date", flat=True)
        .first()
    )
    if first is None:
        return None
    return first - timedelta(days=int(policy("ticket.download_days_before", on=first)))


def ticket_pdf(ticket: Ticket) -> bytes:
    """The ticket's PDF: the stored one when the data behind it is unchanged, else drawn and stored anew."""
    organization = Organization.objects.get(pk=1)
    ((ticket, seats),) = list(_tickets(Ticket.objects.filter(pk=ticket.pk)))
    return _current_pdf(ticket, seats, organization)


def _current_pdf(ticket: Ticket, seats, organization) -> bytes:
    person = ticket.application.person
    data = _data(ticket, seats, organization, photo=False)
    digest = fingerprint(data, person.photo_sha256)
    if ticket.pdf_name and ticket.pdf_fingerprint == digest:
        try:
            return read_private(ticket.pdf_name, purpose=PDF_PURPOSE)
        except FileNotFoundError:
            pass  # the file went missing (a restore without files): draw it again
    pdf = render_ticket(replace(data, photo_jpeg=photo_bytes(person) if person.photo_name else None))
    old = ticket.pdf_name
    ticket.pdf_name = store_private(pdf, purpose=PDF_PURPOSE)
    ticket.pdf_fingerprint, ticket.generated_at = digest, timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        pdf_name=ticket.pdf_name, pdf_fingerprint=digest, generated_at=ticket.generated_at
    )
    if old:
        delete_private(old)
    return pdf


def generate_tickets(ticket_ids: list[int], *, advance=None) -> int:
    """Draw (or keep) the PDF of each ticket; for the background job after publishing. Returns the count."""
    organization = Organization.objects.get(pk=1)
    done = 0
    for start in range(0, len(ticket_ids), 500):
        for ticket, seats in _tickets(Ticket.objects.filter(pk__in=ticket_ids[start : start + 500])):
            _current_pdf(ticket, seats, organization)
            done += 1
            if advance:
                advance()
    return done


def combined_pdf(tickets_query) -> bytes:
    """One PDF of many tickets (an institution's students of a session), a page each, drawn in one go."""
    organization = Organization.objects.get(pk=1)
    return render_tickets(
        _data(ticket, seats, organization, photo=True) for ticket, seats in _tickets(tickets_query)
    )
