"""The check-in desk on exam day (DOMAIN.md §8): find the candidate by the ticket's code, the ticket number or
the ID number, compare the face with the photo on file (§12 4.4), mark each of today's subjects present or
absent, and close a session's attendance.

Made for a phone or a tablet at the door. Every lookup is a POST, so a typed ID number never reaches a URL, a
browser history or an access log (SECURITY.md "Personal data"), and the page never writes it back. Where the
browser cannot read a QR code itself (no BarcodeDetector), the invigilator photographs it and the server reads
it. Everything works as plain forms; desk.js only adds the camera.
"""

import io

import zxingcpp
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from PIL import Image, UnidentifiedImageError

from skilleval.accounts.access import has_any_role, role_required
from skilleval.accounts.roles import Role
from skilleval.applications.lifecycle import Status
from skilleval.applications.views.files import private_response
from skilleval.core.errors import DomainError
from skilleval.people.services import photo_bytes
from skilleval.scheduling import checkin
from skilleval.scheduling.models import ExamSession, SeatAssignment, StaffAssignment, Ticket

DESK_ROLES = (Role.EXAMINER, Role.SUPERVISOR)
MAX_SCAN_BYTES = 12 * 1024 * 1024  # a phone camera's JPEG, with room to spare
MAX_SCAN_PIXELS = 50_000_000  # decoded size: refuse decompression bombs before the pixels are read
SCAN_SIDE = 2000  # a QR filling part of the frame stays readable at this size, and reads much faster


def _sessions_today(user):
    """Today's sessions at the venues where this user has a duty today; all of today's for a supervisor,
    or for an invigilator not (yet) on any session."""
    today = timezone.localdate()
    sessions = ExamSession.objects.filter(date=today, state=ExamSession.State.PUBLISHED)
    if not has_any_role(user, [Role.SUPERVISOR]):
        venues = StaffAssignment.objects.filter(user=user, session__date=today).values("session__room__venue")
        if venues.exists():
            sessions = sessions.filter(room__venue__in=venues)
    return (
        sessions.select_related("item__occupation", "item__work_type", "room__venue")
        .annotate(
            seated=Count("assignments"),
            present=Count("assignments", filter=Q(assignments__present=True)),
            absent=Count("assignments", filter=Q(assignments__present=False)),
            unmarked=Count("assignments", filter=Q(assignments__present__isnull=True)),
        )
        .order_by("starts_at", "room__venue__name", "room__name", "pk")
    )


def _page(request, *, card=None, problem: str = "", marked=None, changed=False, status: int = 200):
    context = {
        "card": card,
        "problem": problem,
        "marked": marked,  # the seat just marked, and whether that changed anything
        "changed": changed,
        "sessions": _sessions_today(request.user),
        "today": timezone.localdate(),
    }
    response = render(request, "scheduling/desk_home.html", context, status=status)
    response["Cache-Control"] = "no-store"  # names, photos and seats of the day
    return response


def _look_up(request, query: str):
    try:
        card = checkin.find(query)
    except DomainError as exc:
        return _page(request, problem=exc.message)
    if card is None:
        return _page(request, problem=_("No seat today for this ticket or ID number."))
    return _page(request, card=card)


@require_http_methods(["GET", "POST"])
@role_required(*DESK_ROLES)
def home(request):
    if request.method == "POST":
        return _look_up(request, request.POST.get("q", "")[:64])
    return _page(request)


def read_code(data: bytes) -> str | None:
    """The text of the first QR code in a photo, or None when there is no readable code (or no image)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_SCAN_PIXELS:
                return None
            image.draft("L", (SCAN_SIDE, SCAN_SIDE))  # JPEG: decode at a reduced scale straight away
            gray = image.convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None
    gray.thumbnail((SCAN_SIDE, SCAN_SIDE))
    codes = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    return codes[0].text if codes else None


@require_POST
@role_required(*DESK_ROLES)
def scan(request):
    upload = request.FILES.get("photo")
    if upload is None or upload.size > MAX_SCAN_BYTES:
        return _page(request, problem=_("Take a photo of the code (at most 12 MB)."))
    text = read_code(upload.read())
    if not text:
        return _page(
            request,
            problem=_(
                "No code could be read in the photo. Try again closer and steadier, or type the number."
            ),
        )
    return _look_up(request, text[:64])


def _today_seat(pk: int) -> SeatAssignment:
    """A seat of today's session of a candidate still expected at the exam; any other seat is a 404."""
    return get_object_or_404(
        SeatAssignment.objects.select_related("application__person"),
        pk=pk,
        session__date=timezone.localdate(),
        application__status__in=(Status.SCHEDULED, Status.SAT),
    )


@require_POST
@role_required(*DESK_ROLES)
def mark_view(request, pk):
    seat = _today_seat(pk)
    choice = request.POST.get("present")
    if choice not in ("1", "0"):
        return _page(request, problem=_("Choose present or absent."), status=400)
    try:
        seat, changed = checkin.mark(seat, choice == "1", by=request.user)
    except DomainError as exc:
        return _page(request, problem=exc.message)
    # The same card again, found by the seat's ticket: the desk never keeps a typed ID number to find it by.
    ticket = Ticket.objects.filter(application_id=seat.application_id).first()
    card = checkin.find(ticket.number) if ticket else None
    return _page(request, card=card, marked=seat.pk, changed=changed)


@require_GET
@role_required(*DESK_ROLES)
def photo(request, pk):
    seat = _today_seat(pk)
    person = seat.application.person
    if not person.photo_name:
        raise Http404
    return private_response(photo_bytes(person), "image/jpeg")


@require_POST
@role_required(*DESK_ROLES)
def close(request, pk):
    session = get_object_or_404(
        ExamSession, pk=pk, date=timezone.localdate(), state=ExamSession.State.PUBLISHED
    )
    try:
        absent = checkin.close_attendance(session, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Attendance of %(session)s is closed: %(absent)s more marked absent.")
            % {"session": f"{session.starts_at:%H:%M} {session.room}", "absent": absent},
        )
    return redirect("desk")
