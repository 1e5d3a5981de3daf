"""Certificates at the office (issue 8, DOMAIN.md §11): issuing, the provincial numbers, one certificate with
its revocation and collection, handovers to institutions, and the upload for the national database.

Supervisors issue, import, revoke and export; counter clerks (and supervisors) record collection at the
counter, by mail and by handover. Every change is one certificates service call; its refusal comes back as a
message. Every file with personal data is audited as it leaves (SECURITY.md "Audit").
"""

from datetime import date

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from skilleval.accounts.access import has_any_role, role_required
from skilleval.accounts.models import Institution
from skilleval.accounts.roles import Role
from skilleval.applications.views.files import private_response
from skilleval.audit.models import AuditEntry
from skilleval.audit.services import record
from skilleval.certificates import exports
from skilleval.certificates.documents import certificate_pdf
from skilleval.certificates.models import Certificate, Handover
from skilleval.certificates.services import (
    collect_in_person,
    eligible,
    hand_over,
    import_numbers,
    issue_certificates,
    mail,
    revoke,
    trustworthy,
)
from skilleval.core.counting import Counted
from skilleval.core.errors import DomainError
from skilleval.core.spreadsheets import ColumnSpec, SpreadsheetRefused, read_table

READERS = (Role.SUPERVISOR, Role.COUNTER_CLERK)
SUPERVISORS = (Role.SUPERVISOR,)
COLLECTORS = (Role.COUNTER_CLERK, Role.SUPERVISOR)  # pickup at the counter, mailing, handovers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
PAGE_SIZE = 50

IMPORT_COLUMNS = [
    ColumnSpec("application", ("申报编号", "Application number"), text=True),
    ColumnSpec("number", ("证书编号", "Certificate number"), text=True),
]
IMPORT_MAX_ROWS, IMPORT_MAX_BYTES = 5000, 5 * 1024 * 1024

HISTORY = {
    "certificates.certificate.issue": gettext_lazy("Issued"),
    "certificates.certificate.import": gettext_lazy("Issued with the number from the provincial file"),
    "certificates.certificate.revoke": gettext_lazy("Revoked"),
    "certificates.certificate.download": gettext_lazy("PDF downloaded"),
    "certificates.collection.institution": gettext_lazy("Handed to the institution"),
    "certificates.collection.in_person": gettext_lazy("Collected in person"),
    "certificates.collection.mailed": gettext_lazy("Mailed"),
}


def _no_store(response):
    response["Cache-Control"] = "no-store"  # names and masked ID numbers on every page of this area
    return response


def _certificate(number: str) -> Certificate:
    return get_object_or_404(
        Certificate.objects.select_related(
            "person",
            "item__occupation",
            "item__work_type",
            "application__institution",
            "handover",
            "collected_by",
            "revoked_by",
        ),
        number=number,
    )


def _detail_url(certificate: Certificate) -> str:
    return reverse("certificates-detail", args=[certificate.number])


# -- the list and issuing ----------------------------------------------------------------------------------


@require_GET
@role_required(*READERS)
def home(request):
    rows = Certificate.objects.select_related("person", "item__occupation", "item__work_type", "application")
    q = request.GET.get("q", "").strip()[:40]
    if q:
        rows = rows.filter(
            Q(number__icontains=q) | Q(application__number__icontains=q) | Q(person__full_name__icontains=q)
        )
    collection = request.GET.get("collection", "")
    if collection in Certificate.Collection.values:
        rows = rows.filter(collection=collection)
    page = Paginator(rows.order_by("-issued_on", "-number"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "q": q,
        "collection": collection,
        "collections": Certificate.Collection.choices,
        "query": query.urlencode(),
        "waiting": eligible().count(),
        "supervisor": has_any_role(request.user, SUPERVISORS),
        "collector": has_any_role(request.user, COLLECTORS),
    }
    return _no_store(render(request, "certificates/staff_home.html", context))


@require_POST
@role_required(*SUPERVISORS)
def issue(request):
    try:
        issued = issue_certificates(by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if issued:
            messages.success(
                request,
                ngettext("%(count)s certificate issued.", "%(count)s certificates issued.", len(issued))
                % {"count": len(issued)},
            )
        else:
            messages.info(request, _("No certificate was waiting to be issued."))
    return redirect("certificates")


# -- one certificate ---------------------------------------------------------------------------------------


def _history(certificate: Certificate) -> list[dict]:
    entries = AuditEntry.objects.filter(
        target_type="certificates.certificate", target_id=str(certificate.pk), action__in=list(HISTORY)
    ).order_by("at", "id")
    return [
        {
            "at": e.at,
            "what": HISTORY[e.action],
            "by": e.actor_label,
            "note": e.data.get("note") or e.data.get("reason") or "",
        }
        for e in entries
    ]


@require_GET
@role_required(*READERS)
def detail(request, number):
    certificate = _certificate(number)
    valid = certificate.state == Certificate.State.VALID
    waiting = valid and certificate.collection == Certificate.Collection.WAITING
    context = {
        "certificate": certificate,
        "trusted": trustworthy(certificate),
        "history": _history(certificate),
        "can_revoke": valid and has_any_role(request.user, SUPERVISORS),
        "can_collect": waiting and has_any_role(request.user, COLLECTORS),
    }
    return _no_store(render(request, "certificates/staff_detail.html", context))


@require_GET
@role_required(*READERS)
def download(request, number):
    """The certificate as the holder gets it, full ID number included: each download is audited."""
    certificate = _certificate(number)
    if not trustworthy(certificate):
        messages.error(request, _("This certificate is under verification: it cannot be printed."))
        return redirect(_detail_url(certificate))
    record(request.user, "certificates.certificate.download", certificate, {"by": "staff"})
    return private_response(
        certificate_pdf(certificate), "application/pdf", filename=f"certificate-{certificate.number}.pdf"
    )


@require_POST
@role_required(*SUPERVISORS)
def revoke_view(request, number):
    certificate = _certificate(number)
    try:
        revoke(certificate, reason=request.POST.get("reason", "")[:1000], by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Certificate %(number)s is revoked.") % {"number": certificate.number})
    return redirect(_detail_url(certificate))


def _collected(request, moved: int, done: str) -> None:
    if moved:
        messages.success(request, done)
    else:  # the service leaves a certificate that is no longer waiting as it is
        messages.error(request, _("This certificate was already collected, mailed or handed over."))


@require_POST
@role_required(*COLLECTORS)
def collect_view(request, number):
    certificate = _certificate(number)
    if certificate.state != Certificate.State.VALID:
        messages.error(request, _("A revoked certificate is not handed out."))
        return redirect(_detail_url(certificate))
    try:
        moved = collect_in_person(
            certificate, id_checked=request.POST.get("id_checked") == "on", by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _collected(request, moved, _("Recorded: collected in person."))
    return redirect(_detail_url(certificate))


@require_POST
@role_required(*COLLECTORS)
def mail_view(request, number):
    certificate = _certificate(number)
    if certificate.state != Certificate.State.VALID:
        messages.error(request, _("A revoked certificate is not handed out."))
        return redirect(_detail_url(certificate))
    try:
        moved = mail(
            certificate, tracking_number=request.POST.get("tracking_number", "")[:60], by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _collected(request, moved, _("Recorded: mailed."))
    return redirect(_detail_url(certificate))


# -- numbers from the provincial file ----------------------------------------------------------------------


def _read_import(upload) -> tuple[list[tuple[str, str]], list[str]]:
    """The (application number, certificate number) rows of the upload, or the reasons it cannot be used."""
    lang = "en" if translation.get_language() == "en" else "zh"
    try:
        table = read_table(
            upload.read(),
            filename=upload.name,
            columns=IMPORT_COLUMNS,
            max_rows=IMPORT_MAX_ROWS,
            max_bytes=IMPORT_MAX_BYTES,
        )
        parsed = list(table)
    except SpreadsheetRefused as exc:
        return [], [e.message_for(lang) for e in exc.errors]
    errors = [
        _("row %(row)s: %(problem)s") % {"row": row.number, "problem": e.message_for(lang)}
        for row in parsed
        for e in row.errors
    ]
    rows = [(row.values["application"], row.values["number"]) for row in parsed]
    if not rows and not errors:
        errors.append(_("The file has no rows under its header."))
    return rows, errors


@require_http_methods(["GET", "POST"])
@role_required(*SUPERVISORS)
def import_page(request):
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size > IMPORT_MAX_BYTES:
            errors = [_("Choose the provincial file (.xlsx or .csv) of at most 5 MB.")]
        else:
            rows, errors = _read_import(upload)
            if not errors:
                try:
                    imported = import_numbers(rows, by=request.user)
                except DomainError as exc:
                    errors = exc.message.split("; ")  # the service names each bad row, joined
                else:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)s certificate issued with its provincial number.",
                            "%(count)s certificates issued with their provincial numbers.",
                            len(imported),
                        )
                        % {"count": len(imported)},
                    )
                    return redirect("certificates")
    context = {"errors": errors, "waiting": eligible().count()}
    return _no_store(render(request, "certificates/staff_import.html", context))


# -- the national certificate database -----------------------------------------------------------------------


class RangeForm(forms.Form):
    from_ = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, query, *args, **kwargs):
        # `from` is a Python keyword: the query parameter is renamed for the field.
        super().__init__({"from_": query.get("from", ""), "to": query.get("to", "")}, *args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise forms.ValidationError(_("The first date is after the last."))
        return data


def _filename(kind: str, from_: date | None, to: date | None, extension: str) -> str:
    span = f"{from_:%Y%m%d}" if from_ else "start"
    span += f"-{to:%Y%m%d}" if to else "-end"
    return f"{kind}-{span}.{extension}"  # ASCII only: every browser takes it


def _export(request, kind: str, rows_of, build, extension: str, content_type: str):
    """Full ID numbers leave the system: each download is audited with who, which file, which dates and how
    many rows, never the data itself."""
    form = RangeForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Give the dates as YYYY-MM-DD, the first before the last."))
        return redirect("certificates")
    from_, to = form.cleaned_data["from_"], form.cleaned_data["to"]
    withheld: list[str] = []
    headers, rows = rows_of(from_, to, withheld=withheld)
    counted = Counted(rows)  # written as they are made, counted for the audit
    content = build(headers, counted)
    record(
        request.user,
        "certificates.export",
        None,
        {
            "kind": kind,
            "format": extension,
            "from": from_,
            "to": to,
            "certificates": counted.count,
            "withheld": len(withheld),
        },
    )
    if withheld:
        messages.warning(
            request,
            ngettext(
                "%(count)s certificate under verification was left out of the file.",
                "%(count)s certificates under verification were left out of the file.",
                len(withheld),
            )
            % {"count": len(withheld)},
        )
    return private_response(
        content, content_type, filename=_filename(kind, from_, to, extension), attachment=True
    )


@require_GET
@role_required(*SUPERVISORS)
def export_xlsx(request):
    return _export(request, "certificates", exports.certificate_rows, exports.certificates_xlsx, "xlsx", XLSX)


@require_GET
@role_required(*SUPERVISORS)
def export_csv(request):
    return _export(request, "certificates", exports.certificate_rows, exports.certificates_csv, "csv", CSV)


@require_GET
@role_required(*SUPERVISORS)
def revocations_xlsx(request):
    def build(headers, rows):
        return exports.certificates_xlsx(headers, rows, revocations=True)

    return _export(request, "revocations", exports.revocation_rows, build, "xlsx", XLSX)


# -- handovers to institutions (证书交接) --------------------------------------------------------------------


def _institution_from(value: str) -> Institution:
    if not value.isdigit():
        raise Http404
    return get_object_or_404(Institution, pk=int(value))


def _handover_url(institution: Institution) -> str:
    return f"{reverse('certificates-handover')}?institution={institution.pk}"


@require_http_methods(["GET", "POST"])
@role_required(*COLLECTORS)
def handover(request):
    if request.method == "POST":
        return _hand_over(request, _institution_from(request.POST.get("institution", "")))
    if "institution" in request.GET:
        institution = _institution_from(request.GET["institution"])
        context = {
            "institution": institution,
            "certificates": exports.waiting_for(institution)
            .select_related("person", "item__occupation", "item__work_type", "application")
            .order_by("number"),
            "handovers": institution.handovers.select_related("handed_by")
            .annotate(count=Count("certificates"))
            .order_by("-handed_at")[:20],
        }
        return _no_store(render(request, "certificates/staff_handover.html", context))
    waiting = dict(
        Certificate.objects.filter(state=Certificate.State.VALID, collection=Certificate.Collection.WAITING)
        .exclude(application__institution=None)
        .values_list("application__institution")
        .annotate(n=Count("pk"))
    )
    context = {
        "institutions": [
            (institution, waiting[institution.pk])
            for institution in Institution.objects.filter(pk__in=list(waiting))
        ],
        "recent": Handover.objects.select_related("institution", "handed_by")
        .annotate(count=Count("certificates"))
        .order_by("-handed_at")[:20],
    }
    return _no_store(render(request, "certificates/staff_handover_choose.html", context))


def _hand_over(request, institution: Institution):
    ids = [int(v) for v in request.POST.getlist("certificates")[:2000] if v.isdigit()]
    # Only this institution's waiting certificates: an id smuggled in from elsewhere changes nothing.
    chosen = list(exports.waiting_for(institution).filter(pk__in=ids).select_related("application"))
    if not chosen:
        messages.error(request, _("Tick the certificates handed over."))
        return redirect(_handover_url(institution))
    try:
        done = hand_over(
            institution,
            chosen,
            receiver_name=request.POST.get("receiver_name", "")[:100],
            receiver_signed=request.POST.get("receiver_signed") == "on",
            by=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s certificate handed to %(receiver)s.",
                "%(count)s certificates handed to %(receiver)s.",
                len(chosen),
            )
            % {"count": len(chosen), "receiver": done.receiver_name},
        )
    return redirect(_handover_url(institution))


def _handover_file(request, institution: Institution, content: bytes, count: int, document: str, target):
    record(
        request.user,
        "certificates.handover.export",
        target,
        {"document": document, "institution": institution.pk, "certificates": count},
    )
    return private_response(content, "application/pdf", filename=f"handover-{document}.pdf")


@require_GET
@role_required(*COLLECTORS)
def handover_preview(request):
    """The list of the waiting certificates, printed before the handover for the receiver to sign."""
    institution = _institution_from(request.GET.get("institution", ""))
    content, count = exports.handover_pdf(institution, exports.waiting_for(institution))
    return _handover_file(request, institution, content, count, "preview", institution)


@require_GET
@role_required(*COLLECTORS)
def handover_pdf_view(request, pk):
    """The list of a recorded handover, with the receiver's name and who handed the certificates over."""
    batch = get_object_or_404(Handover.objects.select_related("institution", "handed_by"), pk=pk)
    content, count = exports.handover_pdf(batch.institution, batch.certificates.all(), handover=batch)
    return _handover_file(request, batch.institution, content, count, f"{batch.pk:06d}", batch)
