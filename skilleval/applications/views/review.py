"""Reviewers (审核): a queue by cohort, institution and status; decide with a reason; bulk approve."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from skilleval.accounts.access import role_required
from skilleval.accounts.models import Institution
from skilleval.accounts.roles import Role
from skilleval.applications.access import applications_for, get_application_for
from skilleval.applications.lifecycle import Status
from skilleval.applications.services import approve, bulk_approve, reject, return_for_correction, start_review
from skilleval.applications.views.files import evidence_response, private_response
from skilleval.catalog.models import CatalogItem
from skilleval.core.errors import DomainError
from skilleval.people.services import photo_bytes

REVIEWERS = (Role.REVIEWER, Role.SUPERVISOR)
WAITING = (Status.SUBMITTED, Status.UNDER_REVIEW)
DECISIONS = {"approve": approve, "return": return_for_correction, "reject": reject}


def _filtered(request):
    rows = applications_for(request.user).select_related(
        "person", "item__occupation", "item__work_type", "institution"
    )
    status = request.GET.get("status", "waiting")
    rows = rows.filter(status__in=WAITING) if status == "waiting" else rows.filter(status=status)
    if request.GET.get("item", "").isdigit():
        rows = rows.filter(item_id=int(request.GET["item"]))
    if request.GET.get("institution", "").isdigit():
        rows = rows.filter(institution_id=int(request.GET["institution"]))
    if request.GET.get("month"):  # cohort = item + application month (DOMAIN.md §5)
        try:
            year, month = (int(part) for part in request.GET["month"].split("-"))
            rows = rows.filter(submitted_at__year=year, submitted_at__month=month)
        except ValueError:
            pass
    return rows.order_by("submitted_at", "pk"), status


@require_GET
@role_required(*REVIEWERS)
def queue(request):
    rows, status = _filtered(request)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    months = (
        applications_for(request.user)
        .exclude(submitted_at=None)
        .annotate(m=TruncMonth("submitted_at"))
        .order_by("-m")
        .values_list("m", flat=True)
        .distinct()[:24]
    )
    context = {
        "page": page,
        "status": status,
        "statuses": Status.choices,
        "items": CatalogItem.objects.in_force(timezone.localdate()).select_related("occupation", "work_type"),
        "institutions": Institution.objects.filter(is_active=True),
        "months": months,
        "query": request.GET.urlencode(),
    }
    return render(request, "applications/review_queue.html", context)


@require_POST
@role_required(*REVIEWERS)
def queue_bulk_approve(request):
    """Approve the ticked applications; ids outside what this reviewer may see, or no longer waiting, are
    left alone (a smuggled id changes nothing)."""
    numbers = request.POST.getlist("numbers")[:500]
    chosen = list(applications_for(request.user).filter(number__in=numbers, status__in=WAITING))
    done = bulk_approve(chosen, reviewer=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("%(count)s applications approved.") % {"count": len(done)})
    return redirect(f"{reverse('review-queue')}?{request.POST.get('query', '')}")


@require_http_methods(["GET", "POST"])
@role_required(*REVIEWERS)
def detail(request, number):
    application = get_application_for(request.user, number)
    if request.method == "POST":
        decision = DECISIONS.get(request.POST.get("decision", ""))
        if decision is None:
            raise Http404
        try:
            decision(application, reviewer=request.user, reason=request.POST.get("reason", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Decision recorded; the candidate is told."))
            return redirect("review-queue")
    elif application.status == Status.SUBMITTED and request.GET.get("claim") == "1":
        start_review(application, reviewer=request.user)
        application.refresh_from_db()
    person = application.person
    context = {
        "application": application,
        "person": person,
        "events": application.events.select_related("actor"),
        "verdict": application.eligibility,
        "can_decide": application.status in WAITING,
    }
    response = render(request, "applications/review_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required(Role.REVIEWER, Role.SUPERVISOR, Role.COUNTER_CLERK)
def applicant_photo(request, number):
    application = get_application_for(request.user, number)
    if not application.person.photo_name:
        raise Http404
    return private_response(photo_bytes(application.person), "image/jpeg")


@require_GET
@role_required(Role.REVIEWER, Role.SUPERVISOR, Role.COUNTER_CLERK)
def evidence_file(request, number, pk):
    application = get_application_for(request.user, number)
    return evidence_response(get_object_or_404(application.evidence, pk=pk))
