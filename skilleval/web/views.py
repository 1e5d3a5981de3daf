"""Public pages (DOMAIN.md §1 "public"): home, catalog with fees, the monthly cycle, office and contacts."""

import logging
from contextlib import suppress

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from skilleval.accounts.access import public, staff_only
from skilleval.catalog.queries import items_in_force
from skilleval.eligibility.facts import edition_in_force
from skilleval.jobs.models import JobProgress
from skilleval.organization.models import EvaluationCycle
from skilleval.organization.policy import public_rules

logger = logging.getLogger(__name__)


@public
@require_GET
def home(request):
    today = timezone.localdate()
    cycle = EvaluationCycle.objects.filter(year=today.year, month=today.month).first()
    context = {
        "items": items_in_force(today),
        "cycle": cycle,
        "today": today,
        "rules": public_rules(on=today),
        "min_age": edition_in_force(today).min_age,
    }
    return render(request, "web/home.html", context)


@public
@require_GET
def catalog(request):
    return render(request, "web/catalog.html", {"items": items_in_force(timezone.localdate())})


@public
@require_GET
def cycles(request):
    year = timezone.localdate().year
    with suppress(ValueError):
        year = int(request.GET.get("year", year))
    rows = EvaluationCycle.objects.filter(year=year).order_by("month")
    years = EvaluationCycle.objects.order_by("year").values_list("year", flat=True).distinct()
    context = {"cycles": rows, "year": year, "years": years, "rules": public_rules()}
    return render(request, "web/cycles.html", context)


@public
@require_GET
def contact(request):
    return render(request, "web/contact.html")


@require_GET
@staff_only
def job_progress(request, pk: int):
    job = get_object_or_404(JobProgress, pk=pk)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {
                "state": job.state,
                "done": job.done,
                "total": job.total,
                "percent": job.percent,
                "message": job.message,
            },
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "web/job_progress.html", {"job": job})


def _probe(check) -> str:
    try:
        check()
    except Exception as exc:  # any failure of the service is "down"; the kind goes to the log, not the answer
        logger.warning("health check failed: %s", type(exc).__name__)
        return "down"
    return "ok"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    # One round trip to the shared cache (Redis in production); the answer does not matter, reaching it does.
    cache.get("health:web")


@public
@require_GET
def health(request):
    """For load balancers and container health checks: public, no session, two cheap probes; 503 when the
    database or the cache cannot be reached, so the process is taken out of rotation."""
    body = {"status": "ok", "database": _probe(_database), "cache": _probe(_cache)}
    if "down" in body.values():
        body["status"] = "down"
    response = JsonResponse(body, status=200 if body["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    response = render(request, "500.html", {"request_id": getattr(request, "request_id", "")}, status=500)
    return response


@public
def api_not_found(request):
    # Unknown API paths answer in JSON too, not with the HTML 404 page.
    return JsonResponse({"detail": _("Not found.")}, status=404, json_dumps_params={"ensure_ascii": False})
