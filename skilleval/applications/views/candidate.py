"""The candidate's own pages: profile facts, photo, apply with the verdict in view, follow the status."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from skilleval.applications.access import applications_for, get_application_for
from skilleval.applications.evidence import MAX_BYTES as MAX_EVIDENCE_BYTES
from skilleval.applications.evidence import add_evidence
from skilleval.applications.lifecycle import EDITABLE, Status
from skilleval.applications.models import Channel
from skilleval.applications.services import (
    accept_pledge,
    open_application_for,
    start_application,
    submit_application,
    withdraw,
)
from skilleval.applications.views.files import application_form_response, evidence_response, private_response
from skilleval.catalog.models import CatalogItem
from skilleval.core.errors import DomainError, InvalidFields
from skilleval.eligibility.checks import check_person
from skilleval.eligibility.forms import filled_rows, formsets, initial_from_person
from skilleval.people.services import ProfileFacts, photo_bytes, replace_profile, set_photo

MAX_PHOTO_BYTES = 5 * 1024 * 1024


def candidate_required(view):
    """Signed in, with a candidate record of one's own."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        person = getattr(request.user, "person", None)
        if person is None:
            raise Http404
        request.person = person
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"  # personal data on every page of this area
        return response

    wrapper.requires_candidate = True
    return wrapper


def _lang() -> str:
    return "en" if translation.get_language() == "en" else "zh-hans"


@require_GET
@candidate_required
def me(request):
    applications = applications_for(request.user).select_related("item__occupation", "item__work_type")
    return render(request, "applications/me.html", {"person": request.person, "applications": applications})


@require_http_methods(["GET", "POST"])
@candidate_required
def profile(request):
    person = request.person
    sets = formsets(request.POST or None, initial=initial_from_person(person))
    if request.method == "POST" and all(s.is_valid() for s in sets.values()):
        facts = ProfileFacts(
            education=filled_rows("education", sets["education"]),
            work=filled_rows("work", sets["work"]),
            certificates=filled_rows("certificates", sets["certificates"]),
            titles=filled_rows("titles", sets["titles"]),
            intends_to_work=request.POST.get("intends_to_work") == "on",
        )
        replace_profile(person, facts, by=request.user)
        messages.success(request, _("Your details are saved."))
        return redirect("me")
    return render(request, "applications/profile.html", {"person": person, "sets": sets})


@require_http_methods(["GET", "POST"])
@candidate_required
def photo(request):
    if request.method == "POST":
        upload = request.FILES.get("photo")
        if upload is None or upload.size > MAX_PHOTO_BYTES:
            messages.error(request, _("Choose a JPEG or PNG photo of at most 5 MB."))
        else:
            try:
                set_photo(request.person, upload.read(), by=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Your photo is saved."))
                return redirect("me")
    return render(request, "applications/photo.html", {"person": request.person})


@require_GET
@candidate_required
def photo_image(request):
    if not request.person.photo_name:
        raise Http404
    return private_response(photo_bytes(request.person), "image/jpeg")


@require_http_methods(["GET", "POST"])
@candidate_required
def apply(request):
    person = request.person
    today = timezone.localdate()
    items = CatalogItem.objects.in_force(today).select_related("occupation", "work_type")
    item = None
    item_id = request.POST.get("item") or request.GET.get("item")
    if item_id and item_id.isdigit():
        item = get_object_or_404(items, pk=int(item_id))
    verdict = None
    verdict_known = False  # the verdict is shown on the page; a submission that goes through never renders it
    if request.method == "POST" and item is not None:
        if request.POST.get("pledge") != "on":
            messages.error(request, _("Accept the pledge that your materials are true first."))
        else:
            try:
                application = open_application_for(person, item) or start_application(
                    person,
                    item,
                    channel=Channel.ONLINE,
                    by=request.user,
                    forfeit_confirmed=request.POST.get("forfeit") == "on",
                )
                accept_pledge(application, by=request.user)
                submit_application(
                    application, by=request.user, claimed_condition=request.POST.get("condition", "")
                )
            except InvalidFields as exc:  # the person's data cannot be judged: say which, show no verdict
                messages.error(request, next(iter(exc.errors.values()))[0])
                verdict_known = True
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, _("Your application is submitted. You will be told of every change.")
                )
                return redirect("application", number=application.number)
    if item is not None and not verdict_known:
        try:
            verdict = check_person(
                person,
                occupation=item.occupation.code,
                work_type=item.work_type.name if item.work_type_id else None,
                level=item.level,
                on=today,
                lang=_lang(),
            ).to_dict()
        except InvalidFields as exc:
            messages.error(request, next(iter(exc.errors.values()))[0])
    context = {
        "items": items.order_by("occupation__code", "work_type__name", "-level"),
        "item": item,
        "verdict": verdict,
        "person": person,
    }
    return render(request, "applications/apply.html", context)


@require_GET
@candidate_required
def application_detail(request, number):
    application = get_application_for(request.user, number)
    events = application.events.order_by("at", "pk")
    context = {
        "application": application,
        "events": events,
        "editable": application.status in EDITABLE,
        "returned": application.status == Status.RETURNED,
    }
    return render(request, "applications/application.html", context)


@require_POST
@candidate_required
def resubmit(request, number):
    application = get_application_for(request.user, number)
    try:
        submit_application(application, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your application is submitted again."))
    return redirect("application", number=number)


@require_POST
@candidate_required
def withdraw_view(request, number):
    application = get_application_for(request.user, number)
    try:
        withdraw(application, by=request.user, reason=request.POST.get("reason", "")[:200])
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("application", number=number)


@require_GET
@candidate_required
def application_form(request, number):
    return application_form_response(request.user, number)


@require_POST
@candidate_required
def evidence_upload(request, number):
    application = get_application_for(request.user, number)
    upload = request.FILES.get("file")
    if upload is None or upload.size > MAX_EVIDENCE_BYTES:
        messages.error(request, _("Choose a PDF, JPEG or PNG file of at most 10 MB."))
    else:
        try:
            add_evidence(
                application,
                content=upload.read(),
                filename=upload.name,
                description=request.POST.get("description", ""),
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The file is added."))
    return redirect("application", number=number)


@require_GET
@candidate_required
def evidence_file(request, number, pk):
    application = get_application_for(request.user, number)
    return evidence_response(get_object_or_404(application.evidence, pk=pk))
