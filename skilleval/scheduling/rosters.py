"""The papers of one exam session (DOMAIN.md §8): the sign-in sheet, the seat plan and the roster workbook.

This module reads one session into the plain values the renderers take (core.pdf.roster,
core.spreadsheets.roster). The papers are official and always in Chinese, whatever the language of the
page that asked for them. Only masked ID numbers leave here.
"""

from django.utils import translation

from skilleval.catalog.models import Level, SubjectKind
from skilleval.core.pdf.roster import RosterData, RosterRow, render_seat_plan, render_sign_in_sheet
from skilleval.core.spreadsheets.roster import roster_xlsx
from skilleval.organization.models import Organization
from skilleval.people.services import photo_bytes
from skilleval.scheduling.models import ExamSession, SeatAssignment, Ticket


def roster_data(session: ExamSession) -> RosterData:
    """The session's candidates in seat order, with ticket number ("" until tickets are issued), name,
    masked ID number, photo and institution."""
    session = ExamSession.objects.select_related("item__occupation", "item__work_type", "room__venue").get(
        pk=session.pk
    )
    seats = list(
        SeatAssignment.objects.filter(session=session)
        .select_related("application__person", "application__institution")
        .order_by("seat_number")
    )
    tickets = dict(
        Ticket.objects.filter(application__in=[s.application_id for s in seats]).values_list(
            "application_id", "number"
        )
    )
    photos: dict[str, bytes | None] = {}  # people may share a stored photo file; decrypt each once
    rows = tuple(
        RosterRow(
            seat=seat.seat_number,
            ticket_number=tickets.get(seat.application_id, ""),
            name=seat.application.person.full_name,
            id_masked=seat.application.person.id_number_masked,
            photo_jpeg=_photo(seat.application.person, photos),
            institution=seat.application.institution.name if seat.application.institution_id else "",
        )
        for seat in seats
    )
    item = session.item
    with translation.override("zh-hans"):
        item_label = f"{item.display_name} {Level(item.level).label}"
        subject_label = str(SubjectKind(session.subject).label)
    return RosterData(
        organization=Organization.objects.get(pk=1).name,
        item=item_label,
        subject=subject_label,
        date=session.date,
        starts=session.starts_at,
        ends=session.ends_at,
        venue=session.room.venue.name,
        room=session.room.name,
        rows=rows,
    )


def _photo(person, cache: dict[str, bytes | None]) -> bytes | None:
    """The stored photo, or None (the sheet prints "无照片") when there is none or its file is gone."""
    if not person.photo_name:
        return None
    if person.photo_name not in cache:
        try:
            cache[person.photo_name] = photo_bytes(person)
        except FileNotFoundError:
            cache[person.photo_name] = None
    return cache[person.photo_name]


def sign_in_pdf(session: ExamSession) -> tuple[bytes, int]:
    """The 签到表 and how many candidates it lists."""
    data = roster_data(session)
    return render_sign_in_sheet(data), len(data.rows)


def seat_plan_pdf(session: ExamSession) -> tuple[bytes, int]:
    """The 座位表 and how many candidates it shows."""
    data = roster_data(session)
    return render_seat_plan(data), len(data.rows)


def roster_workbook(session: ExamSession) -> tuple[bytes, int]:
    """The roster as .xlsx (sign-in sheet and seat list) and how many candidates it lists."""
    data = roster_data(session)
    return roster_xlsx(data), len(data.rows)
