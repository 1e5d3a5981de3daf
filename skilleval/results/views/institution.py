"""An institution's view of its students' results (DOMAIN.md §9, §10), and make-ups it asks for them.

Institutions are tenants: only applications of the user's own institution are listed or acted on; another
institution's application number is a 404, like an unknown one (SECURITY.md "Access").
"""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from skilleval.accounts.access import role_required
from skilleval.accounts.roles import Role
from skilleval.applications.models import Application, Channel
from skilleval.applications.services import submit_group_application
from skilleval.core.errors import DomainError
from skilleval.results.makeup import start_makeup
from skilleval.results.models import Result, Score
from skilleval.results.services import trustworthy
from skilleval.results.views.candidate import (
    key_under_verification,
    makeup_offer,
    subject_lines,
    subject_list,
)

PAGE_SIZE = 50


def _institution_id(request) -> int:
    """The user's institution. A user with the role but no institution sees nothing: a filter on None would
    match every individual candidate (institution IS NULL)."""
    if not request.user.institution_id:
        raise Http404
    return request.user.institution_id


def _month(value: str) -> date | None:
    """'2026-11' → the first of that month; anything else → no filter."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def _list_url(month: date | None) -> str:
    url = reverse("institution-results")
    return f"{url}?{urlencode({'month': f'{month:%Y-%m}'})}" if month else url


@require_GET
@role_required(Role.INSTITUTION)
def results(request):
    mine = Result.objects.filter(application__institution_id=_institution_id(request))
    months = list(mine.dates("exam_date", "month", order="DESC"))
    month = _month(request.GET.get("month", ""))
    if month:
        mine = mine.filter(exam_date__year=month.year, exam_date__month=month.month)
    rows = (
        mine.select_related(
            "application__person", "application__item__occupation", "application__item__work_type"
        )
        .prefetch_related(
            Prefetch(
                "application__scores",
                queryset=Score.objects.filter(state=Score.State.PUBLISHED),
                to_attr="published_scores",
            ),
            "application__item__subjects",
        )
        .order_by("-exam_date", "application__number")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for result in page:  # one page of rows: the make-up ledger is read only for those not passed
        application = result.application
        result.trusted = trustworthy(result)
        result.lines = subject_lines(application, application.published_scores)
        result.offer = makeup_offer(application, result)
    context = {"page": page, "months": months, "month": month}
    response = render(request, "results/institution_results.html", context)
    response["Cache-Control"] = "no-store"  # names and scores
    return response


@require_POST
@role_required(Role.INSTITUTION)
def makeup(request, number):
    """A group make-up (channel group) for one of the institution's students, for the failed subjects."""
    application = get_object_or_404(
        Application.objects.select_related("person", "item"),
        number=number,
        institution_id=_institution_id(request),
        result__isnull=False,
    )
    back = redirect(_list_url(_month(request.POST.get("month", ""))))
    if key_under_verification(application):
        messages.error(
            request,
            _("The results of %(number)s are under verification; a make-up can be asked for after it.")
            % {"number": number},
        )
        return back
    try:
        with transaction.atomic():  # started and submitted together: the institution has no batch for it
            new = start_makeup(
                application.person,
                application.item,
                channel=Channel.GROUP,
                by=request.user,
                institution=request.user.institution,
            )
            submit_group_application(new, by=request.user)
    except DomainError as exc:
        messages.error(request, f"{number}: {exc.message}")
        return back
    messages.success(
        request,
        _("Make-up application %(new)s is started for %(name)s: %(subjects)s.")
        % {
            "new": new.number,
            "name": application.person.full_name,
            "subjects": subject_list(new.retake_subjects),
        },
    )
    return back
