"""Admission tickets to download (DOMAIN.md §7): a candidate their own, an institution all its students of a
session in one file, from the day the window opens (tickets.opens_on); before then, the date it opens.

A candidate reaches a ticket by their application number and only their own; an institution only sessions in
which its students sit, and only its students' tickets: anything else is a 404, so numbers cannot be probed
(SECURITY.md "Access"). Every download writes an audit row.
"""

from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from skilleval.accounts.access import role_required
from skilleval.accounts.roles import Role
from skilleval.applications.lifecycle import Status
from skilleval.applications.views.candidate import candidate_required
from skilleval.applications.views.files import private_response
from skilleval.audit.services import record
from skilleval.scheduling.models import ExamSession, Ticket
from skilleval.scheduling.tickets import combined_pdf, opens_on, ticket_pdf

# A ticket is for the exam ahead: a seated candidate's, until the results come (a voided or withdrawn
# application's ticket is not handed out).
TICKET_STATUSES = (Status.SCHEDULED, Status.SAT)
# The ticket is a Chinese document whatever the page's language: its labels (level, subject) are drawn in
# Chinese like the rest of it, and the same data makes the same fingerprint, so /en/ does not redraw it.
DOCUMENT_LANGUAGE = "zh-hans"


def _not_yet(request, opens, **context):
    """The page that says when the download opens; 403, because the file exists but is not yet theirs."""
    response = render(request, "scheduling/tickets_not_yet.html", {**context, "opens_on": opens}, status=403)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@candidate_required
def candidate_ticket(request, number):
    ticket = get_object_or_404(
        Ticket.objects.select_related("application"),
        application__number=number,
        application__person=request.person,
        application__status__in=TICKET_STATUSES,
    )
    opens = opens_on(ticket)
    if opens is None:  # no seat (any more): nothing to print
        raise Http404
    if timezone.localdate() < opens:
        return _not_yet(request, opens, application=ticket.application)
    before = ticket.generated_at
    with translation.override(DOCUMENT_LANGUAGE):
        pdf = ticket_pdf(ticket)
    ticket.refresh_from_db(fields=["generated_at"])
    record(
        request.user,
        "scheduling.ticket.download",
        ticket,
        {"application": number, "drawn": ticket.generated_at != before},
    )
    return private_response(pdf, "application/pdf", filename=f"ticket-{ticket.number}.pdf", attachment=True)


def _institution_id(request) -> int:
    """The user's institution. A user with the role but no institution sees nothing: a filter on None would
    match every individual candidate (institution IS NULL)."""
    if not request.user.institution_id:
        raise Http404
    return request.user.institution_id


def _institution_tickets(request, session: ExamSession):
    return Ticket.objects.filter(
        application__institution_id=_institution_id(request),
        application__status__in=TICKET_STATUSES,
        application__seats__session=session,
    )


@require_GET
@role_required(Role.INSTITUTION)
def institution_sessions(request):
    sessions = (
        ExamSession.objects.filter(
            state=ExamSession.State.PUBLISHED,
            date__gte=timezone.localdate(),
            assignments__application__institution_id=_institution_id(request),
            assignments__application__status__in=TICKET_STATUSES,
        )
        .annotate(students=Count("assignments"))  # after the filter: this institution's seats only
        .select_related("item__occupation", "item__work_type", "room__venue")
        .order_by("date", "starts_at", "pk")
    )
    today = timezone.localdate()
    for session in sessions:  # a handful of coming sessions: one small query each is fine
        session.opens_on = opens_on(_institution_tickets(request, session).first())
        session.open = session.opens_on is None or session.opens_on <= today
    response = render(request, "scheduling/tickets_institution.html", {"sessions": sessions})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required(Role.INSTITUTION)
def institution_session_pdf(request, pk):
    session = get_object_or_404(
        ExamSession.objects.select_related("item", "room__venue"), pk=pk, state=ExamSession.State.PUBLISHED
    )
    tickets = _institution_tickets(request, session)
    first = tickets.order_by("number").first()
    if first is None:  # none of its students sit here: the session is not theirs to see
        raise Http404
    opens = opens_on(first)  # one session, one day: every ticket in it opens together
    if opens is not None and timezone.localdate() < opens:
        return _not_yet(request, opens, session=session)
    count = tickets.count()
    with translation.override(DOCUMENT_LANGUAGE):
        pdf = combined_pdf(tickets)
    record(
        request.user,
        "scheduling.ticket.export",
        session,
        {"institution": request.user.institution_id, "tickets": count},
    )
    return private_response(
        pdf, "application/pdf", filename=f"tickets-{session.date:%Y%m%d}-{session.pk}.pdf", attachment=True
    )
