"""Discipline for staff (DOMAIN.md §8, §12): an invigilator records an incident for a seat of the day, with
photos from the phone; a supervisor records a finding after the event, decides or dismisses open incidents,
answers appeals and keeps the sanctions register.

Four eyes are the services' rule (the recorder does not decide, the decider does not answer the appeal);
these pages say so before anyone tries, and turn a refusal into a message. Evidence files are read back only
through `evidence_file`, never from a public path (SECURITY.md "Input and files").
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from skilleval.accounts.access import has_any_role, role_required
from skilleval.accounts.roles import Role
from skilleval.applications.evidence import MAX_BYTES
from skilleval.applications.models import Application
from skilleval.applications.views.files import private_response
from skilleval.audit.services import record
from skilleval.catalog.models import SubjectKind
from skilleval.core.errors import DomainError
from skilleval.discipline.exports import REGISTER_PAGE, register_csv, register_rows, register_xlsx
from skilleval.discipline.models import Appeal, Code, Decision, Evidence, Incident
from skilleval.discipline.services import (
    EVIDENCE_PURPOSE,
    MAX_EVIDENCE,
    add_evidence,
    answer_appeal,
    decide,
    dismiss,
    record_incident,
    register,
)
from skilleval.discipline.views import rule_label, rule_title, rules_by_tier
from skilleval.privacy.files import delete_private, read_private
from skilleval.results.views.candidate import subject_list
from skilleval.scheduling.models import ExamSession, SeatAssignment, Ticket

RECORDERS = (Role.EXAMINER, Role.SUPERVISOR)
SUPERVISORS = (Role.SUPERVISOR,)
TEXT_MAX = 4000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def no_store(response):
    response["Cache-Control"] = "no-store"  # names, incidents and sanctions
    return response


# -- forms ---------------------------------------------------------------------------------------------------


class RuleField(forms.ChoiceField):
    """A rule of the notice, chosen by its row id from the list grouped by tier; cleans to the Code."""

    def __init__(self, **kwargs):
        super().__init__(choices=self._choices_now, **kwargs)

    @staticmethod
    def _choices_now():
        return [(heading, [(str(c.pk), c.label) for c in codes]) for heading, codes in rules_by_tier()]

    def clean(self, value):
        return Code.objects.get(pk=int(super().clean(value)))


class IncidentForm(forms.Form):
    code = RuleField()
    description = forms.CharField(max_length=TEXT_MAX)


class FindingForm(IncidentForm):
    """A finding after the event (DOMAIN.md §12): by application number and the date of the misconduct."""

    application = forms.CharField(max_length=20)
    subject = forms.ChoiceField(choices=[("", "—"), *SubjectKind.choices], required=False)
    occurred_on = forms.DateField(input_formats=["%Y-%m-%d"])

    def clean_application(self):
        number = self.cleaned_data["application"].strip().upper()
        application = Application.objects.filter(number=number).first()
        if application is None:
            raise forms.ValidationError(_("There is no application with this number."))
        return application

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date of the misconduct cannot be in the future."))
        return day


class DecideForm(forms.Form):
    code = RuleField()
    severity = forms.ChoiceField(choices=Decision.Severity.choices, required=False)
    reasons = forms.CharField(max_length=TEXT_MAX)


class DismissForm(forms.Form):
    reason = forms.CharField(max_length=300)


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(choices=[(o, o) for o in (Appeal.Outcome.UPHELD, Appeal.Outcome.OVERTURNED)])
    answer = forms.CharField(max_length=TEXT_MAX)


class RegisterFilter(forms.Form):
    tier = forms.TypedChoiceField(
        choices=[("", "")], coerce=int, required=False, empty_value=None
    )  # choices: the tiers in the code table
    code = forms.ChoiceField(choices=[("", "")], required=False)
    since = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    until = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    state = forms.ChoiceField(choices=[("", ""), *Decision.State.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = list(Code.objects.order_by("tier", "code").values_list("tier", "code"))
        self.fields["tier"].choices = [("", "")] + [
            (t, _("Tier %(tier)s") % {"tier": t}) for t in sorted({t for t, _c in codes})
        ]
        self.fields["code"].choices = [("", "")] + [(c, c) for _t, c in codes]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The first date is after the last."))
        return data


# -- recording an incident -----------------------------------------------------------------------------------


def _uploads(request) -> list:
    files = [f for f in request.FILES.getlist("evidence") if f.size]
    if len(files) > MAX_EVIDENCE:
        raise DomainError(_("At most %(count)s files per incident.") % {"count": MAX_EVIDENCE})
    for upload in files:
        if upload.size > MAX_BYTES:
            raise DomainError(_("%(file)s: a file may be at most 10 MB.") % {"file": upload.name})
    return files


def _record_with_evidence(application: Application, *, files, by, **fields) -> Incident:
    """The incident and all its files, or nothing: a file that is not a readable PDF or image refuses the
    whole record, so the invigilator corrects it on the same form (the sealed files already written go)."""
    stored: list[str] = []
    upload = None
    try:
        with transaction.atomic():
            incident = record_incident(application, by=by, **fields)
            for upload in files:
                evidence = add_evidence(incident, content=upload.read(), filename=upload.name, by=by)
                stored.append(evidence.file_name)
    except DomainError as exc:
        for name in stored:
            delete_private(name)
        if upload is not None and exc.field == "file":
            raise DomainError(
                _("%(file)s: %(problem)s") % {"file": upload.name, "problem": exc.message}, code=exc.code
            ) from exc
        raise
    return incident


def _seat(request, pk: int) -> SeatAssignment:
    """A seat of a published session that has taken place; an invigilator records on the day itself (the
    desk's seats), a supervisor also later."""
    today = timezone.localdate()
    seats = SeatAssignment.objects.select_related(
        "application__person", "session__item__occupation", "session__item__work_type", "session__room__venue"
    ).filter(pk=pk, session__state=ExamSession.State.PUBLISHED, session__date__lte=today)
    if not has_any_role(request.user, SUPERVISORS):
        seats = seats.filter(session__date=today)
    return get_object_or_404(seats)


def _recorded(request, files: int, who: str) -> None:
    messages.success(
        request,
        ngettext(
            "The incident of %(who)s is recorded with %(count)s file. A supervisor decides on it.",
            "The incident of %(who)s is recorded with %(count)s files. A supervisor decides on it.",
            files,
        )
        % {"who": who, "count": files},
    )


@require_http_methods(["GET", "POST"])
@role_required(*RECORDERS)
def incident_new(request, seat):
    """From the desk: an incident of this seat's candidate, subject and session date."""
    seat = _seat(request, seat)
    ticket = Ticket.objects.filter(application_id=seat.application_id).first()
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            files = _uploads(request)
            _record_with_evidence(
                seat.application,
                files=files,
                by=request.user,
                code=form.cleaned_data["code"],
                subject=seat.session.subject,
                description=form.cleaned_data["description"],
                occurred_on=seat.session.date,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            _recorded(request, len(files), ticket.number if ticket else seat.application.number)
            return redirect("desk")
    context = {
        "form": form,
        "seat": seat,
        "ticket": ticket,
        "groups": rules_by_tier(),
        "max_files": MAX_EVIDENCE,
    }
    return no_store(render(request, "discipline/incident_new.html", context))


@require_http_methods(["GET", "POST"])
@role_required(*SUPERVISORS)
def finding_new(request):
    """A finding after the event: results annulled and certificates revoked when the decision says so."""
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            files = _uploads(request)
            _record_with_evidence(
                data["application"],
                files=files,
                by=request.user,
                code=data["code"],
                subject=data["subject"],
                description=data["description"],
                occurred_on=data["occurred_on"],
                after_the_event=True,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            _recorded(request, len(files), data["application"].number)
            return redirect("discipline-home")
    context = {
        "form": form,
        "groups": rules_by_tier(),
        "subjects": SubjectKind.choices,
        "max_files": MAX_EVIDENCE,
    }
    return no_store(render(request, "discipline/finding_new.html", context))


@require_GET
@role_required(*RECORDERS)
def evidence_file(request, pk):
    """A supervisor sees every incident's files; an invigilator those of the incidents they recorded."""
    files = Evidence.objects.all()
    if not has_any_role(request.user, SUPERVISORS):
        files = files.filter(incident__recorded_by=request.user)
    evidence = get_object_or_404(files, pk=pk)
    content = read_private(evidence.file_name, purpose=EVIDENCE_PURPOSE)
    return private_response(content, evidence.content_type)


# -- open incidents: decide or dismiss -----------------------------------------------------------------------


def _tickets(application_ids) -> dict[int, str]:
    return dict(
        Ticket.objects.filter(application_id__in=set(application_ids)).values_list("application_id", "number")
    )


@require_GET
@role_required(*SUPERVISORS)
def incidents(request):
    open_incidents = list(
        Incident.objects.filter(state=Incident.State.OPEN)
        .select_related(
            "code",
            "recorded_by",
            "application__person",
            "application__item__occupation",
            "application__item__work_type",
        )
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
        .order_by("occurred_on", "recorded_at", "pk")
    )
    tickets = _tickets(i.application_id for i in open_incidents)
    for incident in open_incidents:
        incident.ticket = tickets.get(incident.application_id, "")
        incident.rule = rule_label(incident.code)
        incident.mine = incident.recorded_by_id == request.user.pk
        incident.code_field = f"code-{incident.pk}"  # the id of its rule select, for the label
    context = {
        "incidents": open_incidents,
        "groups": rules_by_tier(),
        "severities": Decision.Severity.choices,
        "open_appeals": Appeal.objects.filter(outcome=Appeal.Outcome.OPEN).count(),
    }
    return no_store(render(request, "discipline/incidents.html", context))


def _incident(pk: int) -> Incident:
    return get_object_or_404(Incident.objects.select_related("application"), pk=pk)


@require_POST
@role_required(*SUPERVISORS)
def incident_decide(request, pk):
    incident = _incident(pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the rule and give the reasons of the decision."))
        return redirect("discipline-home")
    data = form.cleaned_data
    try:
        decision = decide(
            incident, reasons=data["reasons"], by=request.user, code=data["code"], severity=data["severity"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("discipline-home")
    done = [
        _("Decision %(reference)s under rule %(rule)s.")
        % {"reference": decision.reference, "rule": data["code"].code}
    ]
    if decision.subjects_cancelled:
        done.append(_("Cancelled: %(subjects)s.") % {"subjects": subject_list(decision.subjects_cancelled)})
    if decision.ban_id:
        done.append(_("No evaluation until %(date)s.") % {"date": decision.ban.until.isoformat()})
    if decision.referred:
        done.append(_("Referred to the authorities."))
    messages.success(request, " ".join(done))
    return redirect("discipline-home")


@require_POST
@role_required(*SUPERVISORS)
def incident_dismiss(request, pk):
    incident = _incident(pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the incident is dismissed."))
        return redirect("discipline-home")
    try:
        dismiss(incident, reason=form.cleaned_data["reason"], by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The incident of %(number)s is dismissed.") % {"number": incident.application.number}
        )
    return redirect("discipline-home")


# -- appeals -------------------------------------------------------------------------------------------------


@require_GET
@role_required(*SUPERVISORS)
def appeals(request):
    open_appeals = list(
        Appeal.objects.filter(outcome=Appeal.Outcome.OPEN)
        .select_related(
            "decision__code",
            "decision__ban",
            "decision__decided_by",
            "decision__incident__application__person",
            "decision__incident__application__item__occupation",
            "decision__incident__application__item__work_type",
        )
        .order_by("at", "pk")
    )
    for item in open_appeals:
        decision = item.decision
        item.rule = rule_label(decision.code)
        item.subjects = subject_list(decision.subjects_cancelled)
        item.mine = decision.decided_by_id == request.user.pk
    return no_store(render(request, "discipline/appeals.html", {"appeals": open_appeals}))


@require_POST
@role_required(*SUPERVISORS)
def appeal_answer(request, pk):
    item = get_object_or_404(Appeal.objects.select_related("decision"), pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether the decision is upheld or overturned, and write the answer."))
        return redirect("discipline-appeals")
    overturn = form.cleaned_data["outcome"] == Appeal.Outcome.OVERTURNED
    try:
        answered = answer_appeal(item, overturn=overturn, answer=form.cleaned_data["answer"], by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        reference = item.decision.reference
        if answered.answered_by_id != request.user.pk:
            messages.info(request, _("This appeal had already been answered."))
        elif answered.outcome == Appeal.Outcome.OVERTURNED:
            messages.success(
                request,
                _("Decision %(reference)s is overturned: its cancellations and its ban are lifted.")
                % {"reference": reference},
            )
        else:
            messages.success(request, _("Decision %(reference)s is upheld.") % {"reference": reference})
    return redirect("discipline-appeals")


# -- the sanctions register ----------------------------------------------------------------------------------


def _filtered(request):
    """The register's rows for the filters in the query string; None when a filter is malformed."""
    form = RegisterFilter(request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    data = form.cleaned_data if request.GET else {}
    rows = register(
        tier=data.get("tier"),
        code=data.get("code") or None,
        since=data.get("since"),
        until=data.get("until"),
        state=data.get("state") or None,
    )
    return form, rows.select_related(
        "incident__application__item__occupation", "incident__application__item__work_type"
    )


@require_GET
@role_required(*SUPERVISORS)
def register_page(request):
    form, rows = _filtered(request)
    page = None
    if rows is not None:
        page = Paginator(rows, REGISTER_PAGE).get_page(request.GET.get("page"))
        for decision in page:
            decision.rule_title = rule_title(decision.code)
            decision.subjects = subject_list(decision.subjects_cancelled)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "tiers": form.fields["tier"].choices[1:],
        "codes": form.fields["code"].choices[1:],
        "states": Decision.State.choices,
        "counts": Decision.objects.aggregate(
            in_force=Count("pk", filter=Q(state=Decision.State.IN_FORCE)),
            overturned=Count("pk", filter=Q(state=Decision.State.OVERTURNED)),
        ),
    }
    return no_store(render(request, "discipline/register.html", context))


def _export(request, extension: str, build, content_type: str):
    form, rows = _filtered(request)
    if rows is None:
        messages.error(request, _("Give the dates as YYYY-MM-DD, the first before the last."))
        return redirect("discipline-register")
    headers, table = register_rows(rows)
    filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")} if request.GET else {}
    record(
        request.user, "discipline.register.export", None, {"format": extension, "rows": len(table), **filters}
    )
    name = f"discipline-register-{timezone.localdate():%Y%m%d}.{extension}"
    return private_response(build(headers, table), content_type, filename=name, attachment=True)


@require_GET
@role_required(*SUPERVISORS)
def register_xlsx_view(request):
    return _export(request, "xlsx", register_xlsx, XLSX)


@require_GET
@role_required(*SUPERVISORS)
def register_csv_view(request):
    return _export(request, "csv", register_csv, CSV)
