"""The national certificate database's upload of published results (DOMAIN.md §9), for supervisors.

It holds full ID numbers, so each download is audited as an export of personal data: who, which format,
which exam dates and how many rows, never the data itself (SECURITY.md "Audit").
"""

from datetime import date

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from skilleval.accounts.access import role_required
from skilleval.applications.views.files import private_response
from skilleval.audit.services import record
from skilleval.core.counting import Counted
from skilleval.results.exports import HEADERS, iter_results_rows, results_csv, results_xlsx
from skilleval.results.views.staff import SUPERVISORS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


class RangeForm(forms.Form):
    from_ = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, query, *args, **kwargs):
        # `from` is a Python keyword: the query parameter is renamed for the field.
        super().__init__({"from_": query.get("from", ""), "to": query.get("to", "")}, *args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise forms.ValidationError(_("The first exam date is after the last."))
        return data


def _name(from_: date | None, to: date | None, extension: str) -> str:
    span = f"{from_:%Y%m%d}" if from_ else "start"
    span += f"-{to:%Y%m%d}" if to else "-end"
    return f"results-{span}.{extension}"  # ASCII only: every browser takes it


def _export(request, extension: str, build, content_type: str):
    form = RangeForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Give the exam dates as YYYY-MM-DD, the first before the last."))
        return redirect("results-board")
    from_, to = form.cleaned_data["from_"], form.cleaned_data["to"]
    withheld: list[str] = []
    # Made a chunk at a time and written as they come (memory stays bounded, issue 11), counted for the audit.
    counted = Counted(iter_results_rows(from_, to, withheld=withheld))
    content = build(HEADERS, counted)
    record(
        request.user,
        "results.export",
        None,
        {"format": extension, "from": from_, "to": to, "results": counted.count, "withheld": len(withheld)},
    )
    return private_response(content, content_type, filename=_name(from_, to, extension), attachment=True)


@require_GET
@role_required(*SUPERVISORS)
def export_xlsx(request):
    return _export(request, "xlsx", results_xlsx, XLSX)


@require_GET
@role_required(*SUPERVISORS)
def export_csv(request):
    return _export(request, "csv", results_csv, CSV)
