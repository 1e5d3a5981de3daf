"""A candidate's appeal of a discipline decision (DOMAIN.md §12).

The decision itself is shown on the application page by the `discipline_tags` library; this view takes its
appeal form. A decision is found among the candidate's own only: any other reference is a 404
(SECURITY.md "Access").
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skilleval.applications.views.candidate import candidate_required
from skilleval.core.errors import DomainError
from skilleval.discipline.models import Decision
from skilleval.discipline.services import appeal

APPEAL_MAX = 2000


class AppealForm(forms.Form):
    text = forms.CharField(max_length=APPEAL_MAX)


def own_decision(person, reference: str) -> Decision:
    decision = (
        Decision.objects.select_related("incident__application")
        .filter(reference=reference, incident__application__person=person)
        .first()
    )
    if decision is None:
        raise Http404
    return decision


@require_POST
@candidate_required
def appeal_view(request, reference):
    decision = own_decision(request.person, reference)
    form = AppealForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Give the grounds of the appeal, in at most %(max)s characters.") % {"max": APPEAL_MAX}
        )
    elif decision.state != Decision.State.IN_FORCE:
        messages.error(request, _("This decision was overturned; there is nothing to appeal."))
    else:
        try:
            appeal(decision, text=form.cleaned_data["text"], by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Your appeal is recorded. A supervisor answers it; the answer will appear here.")
            )
    number = decision.incident.application.number
    return redirect(reverse("application", kwargs={"number": number}) + "#discipline")
