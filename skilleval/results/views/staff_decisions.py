"""A supervisor's decisions after publication (DOMAIN.md §9): changes of published scores, which a supervisor
other than the one who asked approves, and the candidates' review requests (复核).

Like the grid, these pages show ticket and application numbers, never names or ID numbers.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from skilleval.accounts.access import role_required
from skilleval.core.errors import DomainError
from skilleval.results.models import ReviewRequest, Score, ScoreChange
from skilleval.results.services import answer_review, decide_change, trustworthy
from skilleval.results.views.staff import SUPERVISORS, no_store, score_text, tickets_of

SESSION_PATH = "seat__session"
SESSION_DETAILS = (f"{SESSION_PATH}__item__occupation", f"{SESSION_PATH}__item__work_type")


# -- changes of published scores -----------------------------------------------------------------------------


@require_GET
@role_required(*SUPERVISORS)
def changes(request):
    pending = list(
        ScoreChange.objects.filter(state=ScoreChange.State.PENDING)
        .select_related("requested_by", *(f"score__{path}" for path in SESSION_DETAILS))
        .order_by("requested_at", "pk")
    )
    tickets = tickets_of(c.score.application_id for c in pending)
    for change in pending:
        change.ticket = tickets.get(change.score.application_id, "")
        change.old = score_text(change.score.value, change.score.absent)
        change.new = score_text(change.value, change.absent)
        change.mine = change.requested_by_id == request.user.pk
    return no_store(render(request, "results/staff_changes.html", {"changes": pending}))


@require_POST
@role_required(*SUPERVISORS)
def change_decide(request, pk):
    change = get_object_or_404(ScoreChange.objects.select_related("score__seat"), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        messages.error(request, _("Choose to approve or to refuse."))
        return redirect("results-changes")
    seat = change.score.seat.seat_number
    try:
        decided = decide_change(
            change, approve=decision == "approve", by=request.user, note=request.POST.get("note", "").strip()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if decided.decided_by_id != request.user.pk:
            messages.info(request, _("This change had already been decided."))
        elif decided.state == ScoreChange.State.APPROVED:
            messages.success(
                request,
                _("Approved: the score of seat %(seat)s is now %(score)s.")
                % {"seat": seat, "score": score_text(decided.value, decided.absent)},
            )
        else:
            messages.success(
                request, _("Refused: the score of seat %(seat)s stays as it was.") % {"seat": seat}
            )
    return redirect("results-changes")


# -- review requests (复核) --------------------------------------------------------------------------------


@require_GET
@role_required(*SUPERVISORS)
def reviews(request):
    open_reviews = list(
        ReviewRequest.objects.filter(state=ReviewRequest.State.OPEN)
        .select_related("result__application")
        .order_by("requested_at", "pk")
    )
    application_ids = {r.result.application_id for r in open_reviews}
    scores = {
        (s.application_id, s.subject): s
        for s in Score.objects.filter(application_id__in=application_ids)
        .select_related(*SESSION_DETAILS)
        .order_by("pk")
    }
    tickets = tickets_of(application_ids)
    for review in open_reviews:
        review.ticket = tickets.get(review.result.application_id, "")
        review.score = scores.get((review.result.application_id, review.subject))
        if review.score is not None:
            review.score_shown = score_text(review.score.value, review.score.absent)
            review.trusted = trustworthy(review.score)
            review.grid_url = reverse("results-grid", args=[review.score.seat.session_id]) + (
                f"#seat-{review.score.seat.seat_number}"
            )
    return no_store(render(request, "results/staff_reviews.html", {"reviews": open_reviews}))


@require_POST
@role_required(*SUPERVISORS)
def review_answer(request, pk):
    review = get_object_or_404(ReviewRequest, pk=pk)
    outcome = request.POST.get("outcome")
    if outcome not in (ReviewRequest.State.UPHELD, ReviewRequest.State.CHANGED):
        messages.error(request, _("Say whether the score is upheld or changed."))
        return redirect("results-reviews")
    try:
        answered = answer_review(
            review,
            changed=outcome == ReviewRequest.State.CHANGED,
            answer=request.POST.get("answer", ""),
            by=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if answered.answered_by_id != request.user.pk:
            messages.info(request, _("This review had already been answered."))
        elif answered.state == ReviewRequest.State.CHANGED:
            messages.success(
                request,
                _(
                    "Answered. Now request the change of the score on the session's grid: another "
                    "supervisor approves it."
                ),
            )
        else:
            messages.success(request, _("Answered: the score is upheld."))
    return redirect("results-reviews")
