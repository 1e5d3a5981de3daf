"""One exam session (issue 6): its seats and staff, changes of room and seat, and the exam room's papers
(sign-in sheet, seat plan, roster workbook; every download audited as an export of personal data).

Schedulers change things, supervisors may read; every change is one scheduling service call.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from skilleval.accounts.access import has_any_role, role_required
from skilleval.accounts.roles import Role
from skilleval.applications.views.files import private_response
from skilleval.audit.services import record
from skilleval.core.errors import DomainError
from skilleval.scheduling import rosters
from skilleval.scheduling.checkin import correct_attendance
from skilleval.scheduling.models import (
    ExamSession,
    Room,
    SeatAssignment,
    StaffAssignment,
    Ticket,
)
from skilleval.scheduling.services import (
    assign_staff,
    change_room,
    move_seat,
    remove_staff,
    staffing,
)
from skilleval.scheduling.views.planning import READERS, SCHEDULERS, XLSX, _name


def _session(pk: int) -> ExamSession:
    return get_object_or_404(
        ExamSession.objects.select_related("plan", "item__occupation", "item__work_type", "room__venue"),
        pk=pk,
    )


@require_GET
@role_required(*READERS)
def session_page(request, pk):
    session = _session(pk)
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
    for seat in seats:
        seat.ticket_number = tickets.get(seat.application_id, "")
    duties = list(session.staff.select_related("user").order_by("user_id"))
    for duty in duties:
        duty.name = _name(duty.user)
    needed, assigned = staffing([session])[session.pk]
    editable = has_any_role(request.user, SCHEDULERS)
    context = {
        "session": session,
        "seats": seats,
        "duties": duties,
        "needed": needed,
        "assigned": assigned,
        "editable": editable,
        "can_correct": has_any_role(request.user, [Role.SUPERVISOR]),
        "today": timezone.localdate(),
    }
    if editable:
        context |= {
            "examiners": [
                (user.pk, _name(user))
                for user in get_user_model()
                .objects.filter(groups__name=Role.EXAMINER, is_active=True)
                .exclude(pk__in=[d.user_id for d in duties])
                .order_by("username")
            ],
            "rooms": Room.objects.filter(kind=session.subject)
            .exclude(pk=session.room_id)
            .select_related("venue")
            .order_by("venue__name", "name"),
            "targets": ExamSession.objects.filter(item=session.item, subject=session.subject)
            .filter(date__gte=min(session.date, timezone.localdate()))
            .exclude(pk=session.pk)
            .select_related("room__venue")
            .annotate(seated=Count("assignments"))
            .order_by("date", "starts_at", "room__name"),
        }
    response = render(request, "scheduling/planning_session.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _session_url(session: ExamSession) -> str:
    return reverse("planning-session", args=[session.pk])


def _post_id(request, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise Http404
    return int(value)


@require_POST
@role_required(*SCHEDULERS)
def session_add_staff(request, pk):
    session = _session(pk)
    user = get_object_or_404(get_user_model(), pk=_post_id(request, "user"), is_active=True)
    try:
        assign_staff(session, user, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is on this session.") % {"name": _name(user)})
    return redirect(_session_url(session))


@require_POST
@role_required(*SCHEDULERS)
def session_remove_staff(request, pk, duty):
    session = _session(pk)
    assignment = get_object_or_404(StaffAssignment.objects.select_related("user"), pk=duty, session=session)
    remove_staff(assignment, by=request.user)
    messages.success(request, _("%(name)s is off this session.") % {"name": _name(assignment.user)})
    return redirect(_session_url(session))


@require_POST
@role_required(*SCHEDULERS)
def session_change_room(request, pk):
    session = _session(pk)
    room = get_object_or_404(Room.objects.select_related("venue"), pk=_post_id(request, "room"))
    try:
        change_room(session, room, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The session is now in %(room)s.") % {"room": room})
    return redirect(_session_url(session))


@require_POST
@role_required(*SCHEDULERS)
def session_move_seat(request, pk):
    session = _session(pk)
    seat = get_object_or_404(
        SeatAssignment.objects.select_related("application__person"),
        pk=_post_id(request, "seat"),
        session=session,
    )
    target = get_object_or_404(ExamSession, pk=_post_id(request, "to"))
    try:
        moved = move_seat(seat, target, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s moved to %(session)s, seat %(seat)s.")
            % {"name": seat.application.person.full_name, "session": target, "seat": moved.seat_number},
        )
    return redirect(_session_url(session))


# -- the exam room's papers -------------------------------------------------------------------------------


def _export(request, pk: int, build, kind: str, extension: str, content_type: str):
    """A roster file of one session: personal data leaving the system, so each download is audited."""
    session = _session(pk)
    content, candidates = build(session)
    record(
        request.user,
        "scheduling.roster.export",
        session,
        {"document": kind, "format": extension, "candidates": candidates},
    )
    filename = f"{kind}-{session.date:%Y%m%d}-{session.pk}.{extension}"  # ASCII only: any browser takes it
    return private_response(content, content_type, filename=filename, attachment=True)


@require_GET
@role_required(*READERS)
def sign_in_sheet(request, pk):
    return _export(request, pk, rosters.sign_in_pdf, "sign-in", "pdf", "application/pdf")


@require_GET
@role_required(*READERS)
def seat_plan(request, pk):
    return _export(request, pk, rosters.seat_plan_pdf, "seat-plan", "pdf", "application/pdf")


@require_GET
@role_required(*READERS)
def roster_workbook(request, pk):
    return _export(request, pk, rosters.roster_workbook, "roster", "xlsx", XLSX)


@require_POST
@role_required(Role.SUPERVISOR)
def session_correct_attendance(request, pk):
    """A supervisor corrects a door mark after the day, with a reason (audited)."""
    session = _session(pk)
    seat = get_object_or_404(SeatAssignment, pk=_post_id(request, "seat"), session=session)
    present = request.POST.get("present") == "1"
    try:
        correct_attendance(seat, present, reason=request.POST.get("reason", ""), by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Attendance of seat %(seat)s corrected.") % {"seat": seat.seat_number})
    return redirect(_session_url(session))
