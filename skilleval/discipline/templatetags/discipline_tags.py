"""The discipline section of the candidate's application page (DOMAIN.md §12), without the applications area
having to know the discipline area: the page loads this library by name.

The candidate sees decisions only: an open or dismissed incident is staff work, not a sanction."""

from dataclasses import dataclass

from django import template
from django.utils import timezone

from skilleval.discipline.models import Appeal, Decision
from skilleval.discipline.views import rule_label
from skilleval.discipline.views.candidate import APPEAL_MAX
from skilleval.results.views.candidate import subject_list

register = template.Library()


@dataclass
class Shown:
    decision: Decision
    rule: str
    subjects: str
    appeals: list[Appeal]
    can_appeal: bool
    window_open: bool


@register.inclusion_tag("discipline/candidate_section.html", takes_context=True)
def application_discipline(context, application) -> dict:
    """Each decision on this application, its appeals and answers, and the appeal form while the window is
    open and no appeal waits for an answer."""
    decisions = (
        Decision.objects.filter(incident__application=application)
        .select_related("code", "ban", "incident")
        .prefetch_related("appeals")
        .order_by("decided_at", "pk")
    )
    today = timezone.localdate()
    shown = []
    for decision in decisions:
        appeals = sorted(decision.appeals.all(), key=lambda a: (a.at, a.pk))
        waiting = any(a.outcome == Appeal.Outcome.OPEN for a in appeals)
        window_open = today <= decision.appeal_until
        shown.append(
            Shown(
                decision=decision,
                rule=rule_label(decision.code),
                subjects=subject_list(decision.subjects_cancelled),
                appeals=appeals,
                can_appeal=window_open and not waiting and decision.state == Decision.State.IN_FORCE,
                window_open=window_open,
            )
        )
    return {"csrf_token": context.get("csrf_token"), "decisions": shown, "appeal_max": APPEAL_MAX}
