"""The institution portal (培训机构/院校): template, upload, errors, preliminary review, submit the group.

Every query goes through the user's own institution: another institution's batch or file answers 404.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from skilleval.accounts.access import role_required
from skilleval.accounts.roles import Role
from skilleval.applications.group_photos import MAX_ZIP_BYTES, start_photo_upload, students_without_photo
from skilleval.applications.imports import (
    COLUMNS,
    MAX_BYTES,
    REPORT_PURPOSE,
    annotated_upload,
    import_group_file,
)
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import GroupBatch
from skilleval.applications.services import pre_review_batch, submit_batch
from skilleval.applications.views.files import application_form_response, private_response
from skilleval.core.errors import DomainError
from skilleval.core.spreadsheets import template_xlsx
from skilleval.privacy.files import delete_private, read_private, store_private

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _batch(request, pk: int) -> GroupBatch:
    return get_object_or_404(GroupBatch, pk=pk, institution_id=request.user.institution_id)


@require_GET
@role_required(Role.INSTITUTION)
def home(request):
    batches = GroupBatch.objects.filter(institution_id=request.user.institution_id).order_by("-created_at")
    return render(request, "applications/institution_home.html", {"batches": batches})


@require_GET
@role_required(Role.INSTITUTION)
def template(request):
    return private_response(
        template_xlsx(COLUMNS), XLSX, filename="group-application-template.xlsx", attachment=True
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.INSTITUTION)
def upload(request):
    context = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size > MAX_BYTES:
            messages.error(request, _("Choose an .xlsx, .xls or .csv file of at most 20 MB."))
            return redirect("institution-upload")
        data = upload.read()
        result = import_group_file(
            institution=request.user.institution, user=request.user, data=data, filename=upload.name
        )
        if result.ok:
            if result.duplicate:
                messages.info(request, _("This file was uploaded before; here is its batch."))
            else:
                messages.success(request, _("%(rows)s students uploaded.") % {"rows": result.batch.rows})
            return redirect("institution-batch", pk=result.batch.pk)
        context = {"errors": result.errors[:500], "error_count": len(result.errors)}
        report = annotated_upload(data, filename=upload.name, errors=result.errors)
        if report is not None:
            # The annotated file holds ID numbers: it is sealed like any private file, and only this session
            # knows its name.
            previous = request.session.get("import_report")
            if previous:
                delete_private(previous)
            request.session["import_report"] = store_private(report, purpose=REPORT_PURPOSE)
            context["report"] = True
    response = render(request, "applications/institution_upload.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required(Role.INSTITUTION)
def upload_report(request):
    name = request.session.get("import_report")
    try:
        content = read_private(name, purpose=REPORT_PURPOSE) if name else None
    except FileNotFoundError:
        content = None
    if content is None:
        raise Http404
    return private_response(content, XLSX, filename="errors.xlsx", attachment=True)


@require_GET
@role_required(Role.INSTITUTION)
def batch(request, pk):
    group = _batch(request, pk)
    applications = group.applications.select_related(
        "person", "item__occupation", "item__work_type"
    ).order_by("pk")
    counts = {
        s: applications.filter(status=s).count()
        for s in (Status.DRAFT, Status.PRE_REVIEWED, Status.SUBMITTED, Status.APPROVED)
    }
    job = group.photo_job
    context = {
        "batch": group,
        "applications": applications[:1000],
        "counts": counts,
        "without_photo": students_without_photo(group),
        "job": job,
        "job_running": job is not None and job.state in (job.State.QUEUED, job.State.RUNNING),
    }
    response = render(request, "applications/institution_batch.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(Role.INSTITUTION)
def batch_pre_review(request, pk):
    group = _batch(request, pk)
    try:
        pre_review_batch(group, by=request.user, note=request.POST.get("note", "")[:300])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The preliminary review is recorded."))
    return redirect("institution-batch", pk=pk)


@require_POST
@role_required(Role.INSTITUTION)
def batch_submit(request, pk):
    group = _batch(request, pk)
    try:
        submit_batch(group, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The group is submitted for review."))
    return redirect("institution-batch", pk=pk)


@require_POST
@role_required(Role.INSTITUTION)
def batch_photos(request, pk):
    group = _batch(request, pk)
    upload = request.FILES.get("file")
    if upload is None or upload.size > MAX_ZIP_BYTES:
        messages.error(request, _("Choose a zip of photos of at most 500 MB."))
        return redirect("institution-batch", pk=pk)
    try:
        start_photo_upload(group, upload.read(), by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The photos are being checked; this page shows the progress."))
    return redirect("institution-batch", pk=pk)


@require_GET
@role_required(Role.INSTITUTION)
def application_form(request, number):
    """The 报名表 of one of this institution's students, for the student to sign."""
    return application_form_response(request.user, number)
