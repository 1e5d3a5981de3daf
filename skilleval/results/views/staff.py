"""Marking and publishing (issue 7, DOMAIN.md §9): the results board, one session's score grid, its
verification and publication, a change request for a published score, and a score's history.

Graders work by seat and ticket number only: nothing here loads or shows a candidate's name or ID number
(SECURITY.md "Access"). Examiners enter and verify, supervisors verify and publish; a refusal of the services
(bad rows, four eyes) comes back as a message, and a grid with a bad row is shown again with what was typed.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from skilleval.accounts.access import has_any_role, role_required
from skilleval.accounts.roles import Role
from skilleval.catalog.models import ItemSubject
from skilleval.core.errors import DomainError
from skilleval.results.models import ReviewRequest, Score, ScoreChange
from skilleval.results.services import (
    Entry,
    board,
    enter_scores,
    publish_session,
    request_change,
    trustworthy,
    verify_scores,
)
from skilleval.scheduling.models import ExamSession, SeatAssignment, Ticket

ENTERERS = (Role.EXAMINER,)
VERIFIERS = (Role.EXAMINER, Role.SUPERVISOR)
MARKERS = (Role.EXAMINER, Role.SUPERVISOR)  # may read the board, the grids and the history
SUPERVISORS = (Role.SUPERVISOR,)


def no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def tickets_of(application_ids) -> dict[int, str]:
    return dict(
        Ticket.objects.filter(application_id__in=set(application_ids)).values_list("application_id", "number")
    )


def score_text(value, absent: bool) -> str:
    if absent:
        return _("absent")
    return "—" if value is None else str(value)


# -- the board -----------------------------------------------------------------------------------------------


def _time_left(days_left: int | None) -> tuple[str, str]:
    """The board's words for a deadline, and the row's class."""
    if days_left is None:
        return _("unknown"), "unknown"
    if days_left < 0:
        text = ngettext(
            "overdue by %(count)s working day", "overdue by %(count)s working days", -days_left
        ) % {"count": -days_left}
        return text, "overdue"
    if days_left == 0:
        return _("due today"), "due"
    text = ngettext("%(count)s working day left", "%(count)s working days left", days_left) % {
        "count": days_left
    }
    return text, "due" if days_left <= 3 else ""


@require_GET
@role_required(*MARKERS)
def board_page(request):
    rows = []
    for row in board():
        text, css = _time_left(row.days_left)
        rows.append({"row": row, "time_left": text, "css": css})
    supervisor = has_any_role(request.user, SUPERVISORS)
    context = {"rows": rows, "supervisor": supervisor}
    if supervisor:
        context |= {
            "pending_changes": ScoreChange.objects.filter(state=ScoreChange.State.PENDING).count(),
            "open_reviews": ReviewRequest.objects.filter(state=ReviewRequest.State.OPEN).count(),
        }
    return no_store(render(request, "results/staff_board.html", context))


# -- the score grid ------------------------------------------------------------------------------------------


@dataclass
class GridRow:
    seat: SeatAssignment
    ticket: str
    score: Score | None
    value: str  # what the input shows: the stored value, or what was typed
    absent: bool
    editable: bool
    trusted: bool
    pending: ScoreChange | None


def _session(pk: int) -> ExamSession:
    return get_object_or_404(
        ExamSession.objects.select_related("item__occupation", "item__work_type", "room__venue"),
        pk=pk,
        state=ExamSession.State.PUBLISHED,
    )


def _grid_url(session: ExamSession, seat_number: int | None = None) -> str:
    url = reverse("results-grid", args=[session.pk])
    return f"{url}#seat-{seat_number}" if seat_number else url


def _rows(session: ExamSession, typed: dict[int, tuple[str, bool]] | None = None) -> list[GridRow]:
    seats = list(SeatAssignment.objects.filter(session=session).order_by("seat_number"))
    scores = {s.seat_id: s for s in Score.objects.filter(seat__session=session)}
    pending = {
        c.score_id: c
        for c in ScoreChange.objects.filter(score__seat__session=session, state=ScoreChange.State.PENDING)
    }
    tickets = tickets_of(s.application_id for s in seats)
    rows = []
    for seat in seats:
        score = scores.get(seat.pk)
        if typed is not None and seat.pk in typed:
            value, absent = typed[seat.pk]
        elif score is not None:
            value, absent = ("" if score.absent else str(score.value)), score.absent
        else:  # marked absent at the door: the grader confirms rather than types
            value, absent = "", seat.present is False
        rows.append(
            GridRow(
                seat=seat,
                ticket=tickets.get(seat.application_id, ""),
                score=score,
                value=value,
                absent=absent,
                editable=score is None or score.state == Score.State.ENTERED,
                trusted=score is None or trustworthy(score),
                pending=pending.get(score.pk) if score else None,
            )
        )
    return rows


def _grid_page(request, session: ExamSession, *, typed=None, error: str = "", status: int = 200):
    rows = _rows(session, typed)
    states = [r.score.state for r in rows if r.score is not None]
    counts = {
        "seated": len(rows),
        "missing": len(rows) - len(states),
        "entered": states.count(Score.State.ENTERED),
        "verified": states.count(Score.State.VERIFIED),
        "published": states.count(Score.State.PUBLISHED),
    }
    subject = ItemSubject.objects.filter(item_id=session.item_id, kind=session.subject).first()
    held = session.date <= timezone.localdate()
    can_enter = held and has_any_role(request.user, ENTERERS) and any(r.editable for r in rows)
    context = {
        "session": session,
        "rows": rows,
        "counts": counts,
        "subject": subject,
        "held": held,
        # enter_scores names every bad seat in one message, "; "-separated: one line each reads better.
        "errors": [part for part in error.split("; ") if part],
        "can_enter": can_enter,
        "can_verify": (
            counts["entered"] > 0 and counts["missing"] == 0 and has_any_role(request.user, VERIFIERS)
        ),
        "can_publish": (
            counts["missing"] == 0
            and counts["entered"] == 0
            and counts["verified"] > 0
            and has_any_role(request.user, SUPERVISORS)
        ),
        "can_request": has_any_role(request.user, MARKERS),
    }
    return no_store(render(request, "results/staff_grid.html", context, status=status))


@require_GET
@role_required(*MARKERS)
def grid(request, pk):
    return _grid_page(request, _session(pk))


def _entries(request, session: ExamSession) -> tuple[list[Entry], dict[int, tuple[str, bool]]]:
    """The rows the form sent; a row left blank (no value, not absent) is not entered yet."""
    entries, typed = [], {}
    for seat_id in SeatAssignment.objects.filter(session=session).values_list("pk", flat=True):
        value_key, absent_key = f"value-{seat_id}", f"absent-{seat_id}"
        if value_key not in request.POST and absent_key not in request.POST:
            continue  # a verified or published row: not part of the form
        value, absent = request.POST.get(value_key, "").strip(), absent_key in request.POST
        typed[seat_id] = ("" if absent else value, absent)
        if value or absent:
            entries.append(Entry(seat_id=seat_id, value="" if absent else value, absent=absent))
    return entries, typed


@require_POST
@role_required(*ENTERERS)
def grid_save(request, pk):
    session = _session(pk)
    if session.date > timezone.localdate():
        messages.error(request, _("Scores are entered after the exam."))
        return redirect(_grid_url(session))
    entries, typed = _entries(request, session)
    if not entries:
        messages.error(request, _("Nothing to save: type a score or tick “absent”."))
        return redirect(_grid_url(session))
    try:
        counts = enter_scores(session, entries, by=request.user)
    except DomainError as exc:
        # The grid again, with what was typed, so a long session is not typed twice (nothing was saved).
        return _grid_page(request, session, typed=typed, error=exc.message, status=400)
    messages.success(
        request,
        _("Saved: %(entered)s entered, %(corrected)s corrected, %(unchanged)s unchanged.") % counts,
    )
    return redirect(_grid_url(session))


@require_POST
@role_required(*VERIFIERS)
def grid_verify(request, pk):
    session = _session(pk)
    try:
        count = verify_scores(session, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext("%(count)s score verified.", "%(count)s scores verified.", count) % {"count": count},
        )
    return redirect(_grid_url(session))


@require_POST
@role_required(*SUPERVISORS)
def grid_publish(request, pk):
    session = _session(pk)
    try:
        count = publish_session(session, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "Scores published; %(count)s application has its result.",
                "Scores published; %(count)s applications have their results.",
                count,
            )
            % {"count": count},
        )
    return redirect(_grid_url(session))


# -- one score: a change request and the history -------------------------------------------------------------


def _score(pk: int) -> Score:
    return get_object_or_404(
        Score.objects.select_related(
            "seat__session__item__occupation",
            "seat__session__item__work_type",
            "seat__session__room__venue",
            "application",
        ),
        pk=pk,
    )


@require_POST
@role_required(*MARKERS)
def score_change(request, pk):
    score = _score(pk)
    absent = "absent" in request.POST
    try:
        request_change(
            score,
            value="" if absent else request.POST.get("value", "").strip(),
            absent=absent,
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
    except DomainError as exc:
        messages.error(
            request, _("Seat %(seat)s: %(error)s") % {"seat": score.seat.seat_number, "error": exc.message}
        )
    else:
        messages.success(
            request,
            _("The change of seat %(seat)s waits for another supervisor's approval.")
            % {"seat": score.seat.seat_number},
        )
    return redirect(_grid_url(score.seat.session, score.seat.seat_number))


@require_GET
@role_required(*MARKERS)
def score_history(request, pk):
    score = _score(pk)
    events = list(score.events.select_related("by"))
    for event in events:
        event.text = score_text(event.value, event.absent)
    changes = list(score.changes.select_related("requested_by", "decided_by").order_by("requested_at", "pk"))
    for change in changes:
        change.text = score_text(change.value, change.absent)
    context = {
        "score": score,
        "session": score.seat.session,
        "ticket": tickets_of([score.application_id]).get(score.application_id, ""),
        "current": score_text(score.value, score.absent),
        "trusted": trustworthy(score),
        "events": events,
        "changes": changes,
    }
    return no_store(render(request, "results/staff_history.html", context))
