"""The results section of the candidate's application page (DOMAIN.md §9, §10), without the applications
area having to know the results area: the page loads this library by name."""

from django import template
from django.utils import timezone

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Channel, Kind
from skilleval.results.models import Result, ReviewRequest
from skilleval.results.services import trustworthy
from skilleval.results.views.candidate import (
    REASON_MAX,
    makeup_offer,
    subject_label,
    subject_lines,
    subject_list,
)

register = template.Library()


@register.inclusion_tag("results/candidate_section.html", takes_context=True)
def application_results(context, application) -> dict:
    """Scores, notice period, reviews and make-up once the result is published; for a make-up application,
    what it retakes. Nothing otherwise."""
    shown = {"csrf_token": context.get("csrf_token"), "application": application}
    if application.kind == Kind.MAKEUP:
        shown["makeup_of"] = subject_list(application.retake_subjects)
        shown["submit_makeup"] = application.status == Status.DRAFT and application.channel == Channel.ONLINE
    result = Result.objects.filter(application=application).first()
    if result is None:
        return shown
    lines = subject_lines(application)
    reviews = list(result.reviews.order_by("requested_at", "pk"))
    under_review = {r.subject for r in reviews if r.state == ReviewRequest.State.OPEN}
    window_open = timezone.localdate() <= result.notice_until
    shown.update(
        result=result,
        result_trusted=trustworthy(result),
        lines=lines,
        reviews=[(subject_label(r.subject), r) for r in reviews],
        window_open=window_open,
        reason_max=REASON_MAX,
        reviewable=[line for line in lines if line.kind not in under_review] if window_open else [],
        offer=makeup_offer(application, result),
    )
    return shown
