"""The staff dashboard (issue 11): the staff home page, with the sections each role works with, filters, and
every table as xlsx. Exports are audited with their counts only, never the rows."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from skilleval.accounts.access import role_required
from skilleval.accounts.models import Institution
from skilleval.accounts.roles import STAFF_ROLES
from skilleval.applications.models import Channel
from skilleval.audit.services import record
from skilleval.catalog.models import Occupation
from skilleval.core.spreadsheets import write_xlsx
from skilleval.statistics import tables
from skilleval.statistics.queries import money_totals, parse_filters

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@role_required(*STAFF_ROLES)
def dashboard(request):
    f = parse_filters(request.GET)
    sections = tables.sections_for(request.user)
    built = [tables.build(key, f) for key, section in tables.SECTION_OF.items() if section in sections]
    groups = [
        {"key": key, "title": str(tables.SECTIONS[key][0]), "tables": [t for t in built if t.section == key]}
        for key in sections
    ]
    by_key = {t.key: t for t in built}
    totals = {"applications": sum(row[1] for row in by_key["months"].rows)}
    if "money" in sections:
        totals.update(money_totals(*_money_rows(by_key)))
    if "deadlines" in sections:
        totals["at_risk"] = len(by_key["deadlines"].rows)
    context = {
        "filters": f,
        "query": urlencode(f.as_query()),
        "groups": groups,
        "totals": totals,
        "months": range(1, 13),
        "occupations": Occupation.objects.order_by("code"),
        "institutions": Institution.objects.order_by("name"),
        "channels": Channel.choices,
    }
    return render(request, "statistics/dashboard.html", context)


def _money_rows(by_key):
    """The money totals from the tables' own rows: the cards add up what the tables show."""
    collections = [{"payments": r[1], "amount": r[2]} for r in by_key["collections"].rows]
    owed = [{"applications": r[3], "amount": r[4]} for r in by_key["outstanding"].rows]
    return collections, owed


@require_GET
@role_required(*STAFF_ROLES)
def export(request):
    key = request.GET.get("section", "")
    if key not in tables.BUILDERS:
        raise Http404
    if tables.SECTION_OF[key] not in tables.sections_for(request.user):
        raise PermissionDenied
    f = parse_filters(request.GET)
    table = tables.build(key, f)
    content = write_xlsx(table.header, table.rows, sheet_title=table.title[:31])
    record(
        request.user,
        "statistics.export",
        None,
        {"section": key, "rows": len(table.rows), "filters": f.as_query()},
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"{key}-{f.year}-{f.month_from:02d}-{f.month_to:02d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
