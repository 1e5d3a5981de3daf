"""The public self-check page: enter your facts, see the verdict for every level with the reasons."""

from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from skilleval.accounts.access import public
from skilleval.core.errors import InvalidFields
from skilleval.eligibility import engine
from skilleval.eligibility.facts import edition_in_force, occupation_facts
from skilleval.eligibility.forms import SelfCheckForm, filled, formsets


@public
@require_http_methods(["GET", "POST"])
def self_check(request):
    data = request.POST if request.method == "POST" else None
    form, sets = SelfCheckForm(data), formsets(data)
    verdicts = []
    if data is not None and form.is_valid() and all(s.is_valid() for s in sets.values()):
        today = timezone.localdate()
        code, _sep, work_type = form.cleaned_data["occupation"].partition("|")
        try:
            facts = occupation_facts(code, work_type or None, on=today)
        except InvalidFields as exc:
            form.add_error("occupation", next(iter(exc.errors.values()))[0])
        else:
            profile = engine.Profile(
                birth_date=form.cleaned_data["birth_date"],
                intends_to_work=form.cleaned_data["intends_to_work"],
                education=tuple(filled("education", sets["education"])),
                work=tuple(filled("work", sets["work"])),
                certificates=tuple(filled("certificates", sets["certificates"])),
                titles=tuple(filled("titles", sets["titles"])),
            )
            lang = "en" if translation.get_language() == "en" else "zh-hans"
            results = engine.evaluate_levels(
                profile, facts, today, edition=edition_in_force(today), lang=lang
            )
            verdicts = [v.to_dict() for v in results]
    response = render(
        request, "eligibility/self_check.html", {"form": form, "sets": sets, "verdicts": verdicts}
    )
    response["Cache-Control"] = "no-store"  # personal facts on the page
    return response
