"""The counter (业务受理窗口): a clerk enters a walk-in candidate's application under the same rules."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from skilleval.accounts.access import role_required
from skilleval.accounts.roles import Role
from skilleval.applications.access import get_application_for
from skilleval.applications.forms import CounterApplicationForm
from skilleval.applications.models import Channel
from skilleval.applications.services import (
    accept_pledge,
    open_application_for,
    record_counter_checks,
    record_form_signed,
    start_application,
    submit_application,
)
from skilleval.applications.views.files import application_form_response
from skilleval.core.errors import DomainError
from skilleval.eligibility.forms import filled_rows, formsets
from skilleval.people.services import ProfileFacts, find_person, register_person, replace_profile, set_photo

MAX_PHOTO_BYTES = 5 * 1024 * 1024


@require_http_methods(["GET", "POST"])
@role_required(Role.COUNTER_CLERK)
def new(request):
    form = CounterApplicationForm(request.POST or None, request.FILES or None)
    sets = formsets(request.POST or None)
    if request.method == "POST" and form.is_valid() and all(s.is_valid() for s in sets.values()):
        try:
            application = _enter(request, form.cleaned_data, sets)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Application %(number)s submitted.") % {"number": application.number})
            return redirect("counter-application", number=application.number)
    response = render(request, "applications/counter_new.html", {"form": form, "sets": sets})
    response["Cache-Control"] = "no-store"
    return response


def _enter(request, data, sets):
    """One walk-in, one transaction: nothing is kept if any step is refused."""
    clerk = request.user
    with transaction.atomic():
        person = find_person(data["id_type"], data["id_number"]) or register_person(
            full_name=data["full_name"],
            id_type=data["id_type"],
            id_number=data["id_number"],
            birth_date=data["birth_date"],
            phone=data["phone"],
            email=data["email"],
            by=clerk,
        )
        facts = ProfileFacts(
            education=filled_rows("education", sets["education"]),
            work=filled_rows("work", sets["work"]),
            certificates=filled_rows("certificates", sets["certificates"]),
            titles=filled_rows("titles", sets["titles"]),
            intends_to_work=data["intends_to_work"],
        )
        if any((facts.education, facts.work, facts.certificates, facts.titles)):
            replace_profile(person, facts, by=clerk)
        upload = data.get("photo")
        if upload is not None:
            if upload.size > MAX_PHOTO_BYTES:
                raise DomainError(_("Choose a JPEG or PNG photo of at most 5 MB."), field="photo")
            set_photo(person, upload.read(), by=clerk)
        item = data["item"]
        application = open_application_for(person, item) or start_application(
            person, item, channel=Channel.COUNTER, by=clerk
        )
        record_counter_checks(
            application,
            by=clerk,
            notice_signed=data["notice_signed"],
            photo=data["photo_checked"],
            originals=data["originals_checked"],
        )
        accept_pledge(application, by=clerk)
        submit_application(application, by=clerk, claimed_condition=data["condition"].strip().upper())
    return application


@require_http_methods(["GET"])
@role_required(Role.COUNTER_CLERK)
def application(request, number):
    application = get_application_for(request.user, number)
    response = render(request, "applications/counter_application.html", {"application": application})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(Role.COUNTER_CLERK)
def form_signed(request, number):
    application = get_application_for(request.user, number)
    record_form_signed(application, by=request.user)
    messages.success(request, _("The signed form is recorded."))
    return redirect("counter-application", number=number)


@require_http_methods(["GET"])
@role_required(Role.COUNTER_CLERK)
def application_form(request, number):
    return application_form_response(request.user, number)
