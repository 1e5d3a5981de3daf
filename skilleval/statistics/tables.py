"""The dashboard's tables, each built once and used twice: shown on the page and written to the xlsx export,
so the file always holds the numbers the page shows.

A table belongs to a section; a section is shown to the roles that work with it (everything to supervisors
and system administrators, counts to every member of staff)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skilleval.accounts.access import has_any_role
from skilleval.accounts.models import Institution
from skilleval.accounts.roles import STAFF_ROLES, Role
from skilleval.applications.lifecycle import Status
from skilleval.catalog.models import CatalogItem, Level, Occupation, SubjectKind
from skilleval.statistics import charts, queries
from skilleval.statistics.queries import Filters

EVERYONE = frozenset(STAFF_ROLES)
ALL_SECTIONS = frozenset({Role.SUPERVISOR, Role.SYSTEM_ADMIN})

# section → (heading, roles that see it)
SECTIONS = {
    "applications": (gettext_lazy("Applications"), EVERYONE),
    "money": (gettext_lazy("Fees"), ALL_SECTIONS | {Role.CASHIER}),
    "results": (gettext_lazy("Pass rates"), ALL_SECTIONS | {Role.EXAMINER}),
    "deadlines": (gettext_lazy("Results deadlines at risk"), ALL_SECTIONS | {Role.EXAMINER, Role.SCHEDULER}),
    "cohorts": (gettext_lazy("Deferred cohorts"), ALL_SECTIONS | {Role.SCHEDULER}),
}


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list]
    numeric: set[int] = field(default_factory=set)  # column indexes aligned right
    chart: str = ""
    note: str = ""
    section: str = ""


def sections_for(user) -> list[str]:
    return [key for key, (_title, roles) in SECTIONS.items() if has_any_role(user, roles)]


def _lang_en() -> bool:
    return (translation.get_language() or "").startswith("en")


def occupation_label(occupation: Occupation) -> str:
    return occupation.name_en if _lang_en() and occupation.name_en else occupation.name


def _blank(value, text):
    return value if value not in ("", None) else text


def _rate(value) -> str:
    return "—" if value is None else f"{value}%"


def _chart_rows(table: Table, label: int, value: int) -> list[tuple[str, object]]:
    return [(str(row[label]), row[value]) for row in table.rows]


# -- builders, one per table ---------------------------------------------------------------------------------


def _months(f: Filters) -> Table:
    rows = [[r["month"], r["applications"]] for r in queries.applications_by_month(f)]
    t = Table("months", _("Applications by month"), [_("Month"), _("Applications")], rows, {1})
    t.chart = charts.column_chart(
        [(m[5:], n) for m, n in rows], title=t.title, chart_id="chart-months"
    )  # "2026-03" → "03": the year is in the filter
    return t


def _statuses(f: Filters) -> Table:
    rows = [[str(Status(r["status"]).label), r["applications"]] for r in queries.applications_by_status(f)]
    t = Table("statuses", _("Applications by status"), [_("Status"), _("Applications")], rows, {1})
    t.chart = charts.bar_chart(_chart_rows(t, 0, 1), title=t.title, chart_id="chart-statuses")
    t.note = _("Applications submitted in the period, by their status today.")
    return t


def _institutions(f: Filters) -> Table:
    rows = [
        [_blank(r["institution"], _("Individual applicants")), r["applications"]]
        for r in queries.applications_by_institution(f)
    ]
    t = Table(
        "institutions",
        _("Applications by institution"),
        [_("Institution"), _("Applications")],
        rows,
        {1},
    )
    t.chart = charts.bar_chart(_chart_rows(t, 0, 1), title=t.title, chart_id="chart-institutions")
    return t


def _cohorts(f: Filters) -> Table:
    found = queries.applications_by_cohort(f)
    items = CatalogItem.objects.select_related("occupation", "work_type").in_bulk({r["item"] for r in found})
    rows = [[r["month"], str(items[r["item"]]), r["applications"]] for r in found]
    return Table(
        "cohorts",
        _("Applications by cohort"),
        [_("Application month"), _("Item"), _("Applications")],
        rows,
        {2},
        note=_("A cohort is one catalog item's applications of one month."),
    )


def _pass_table(key, title, first, rows, chart_id, *, chart=True) -> Table:
    t = Table(
        key,
        title,
        [first, _("Results"), _("Passed"), _("Pass rate")],
        [[label, r["total"], r["passed"], _rate(r["rate"])] for label, r in rows],
        {1, 2, 3},
    )
    if chart:
        t.chart = charts.bar_chart(
            [(label, r["rate"] or 0) for label, r in rows],
            title=t.title,
            chart_id=chart_id,
            unit="%",
            maximum=100,
        )
    return t


def _pass_occupation(f: Filters) -> Table:
    found = queries.pass_rates(f, by="occupation")
    occupations = Occupation.objects.in_bulk({r["occupation"] for r in found})
    rows = [(occupation_label(occupations[r["occupation"]]), r) for r in found]
    return _pass_table(
        "pass_occupation", _("Pass rate by occupation"), _("Occupation"), rows, "chart-pass-occ"
    )


def _pass_level(f: Filters) -> Table:
    rows = [(str(Level(r["level"]).label), r) for r in queries.pass_rates(f, by="level")]
    return _pass_table(
        "pass_level", _("Pass rate by level"), _("Level"), rows, "chart-pass-level", chart=False
    )


def _pass_subject(f: Filters) -> Table:
    rows = [(str(SubjectKind(r["subject"]).label), r) for r in queries.pass_rates_by_subject(f)]
    t = _pass_table("pass_subject", _("Pass rate by subject"), _("Subject"), rows, "chart-pass-subj")
    t.header[1] = _("Scores")
    t.note = _("Published scores; an absent or cancelled subject counts as failed.")
    return t


def _pass_institution(f: Filters) -> Table:
    rows = [
        (_blank(r["institution"], _("Individual applicants")), r)
        for r in queries.pass_rates(f, by="institution")
    ]
    return _pass_table(
        "pass_institution",
        _("Pass rate by institution"),
        _("Institution"),
        rows,
        "chart-pass-inst",
        chart=False,
    )


def _collections(f: Filters) -> Table:
    rows = [[r["month"], r["payments"], r["amount"]] for r in queries.collections_by_month(f)]
    t = Table(
        "collections",
        _("Fees collected by month"),
        [_("Month"), _("Payments confirmed"), _("Amount (CNY)")],
        rows,
        {1, 2},
        note=_("Confirmed payments by the day the money arrived, as in the cashier's reports."),
    )
    t.chart = charts.column_chart(
        [(m[5:], amount) for m, _n, amount in rows], title=t.title, chart_id="chart-collections"
    )
    return t


def _outstanding(f: Filters) -> Table:
    name = (
        Institution.objects.filter(pk=f.institution).values_list("name", flat=True).first()
        if f.institution
        else None
    )
    rows = [
        [
            r["item"],
            r["month"],
            _blank(r["institution"], _("Individual applicants")),
            r["applications"],
            r["amount"],
        ]
        for r in queries.fees_outstanding(f, institution_name=name)
    ]
    return Table(
        "outstanding",
        _("Fees outstanding"),
        [_("Item"), _("Application month"), _("Institution"), _("Applications"), _("Amount (CNY)")],
        rows,
        {3, 4},
        note=_("Approved applications whose fee is not yet confirmed, as of today."),
    )


def _deadlines(f: Filters) -> Table:
    rows = []
    for r in queries.deadlines_at_risk(f):
        s = r.session
        if r.days_left is None:
            left = _("unknown")
        elif r.days_left < 0:
            left = _("%(days)s days overdue") % {"days": -r.days_left}
        else:
            left = r.days_left
        rows.append(
            [
                s.date.isoformat(),
                str(s.item),
                s.get_subject_display(),
                str(s.room),
                r.deadline.due.isoformat() if r.deadline.due else (r.deadline.problem or _("unknown")),
                left,
                r.seated,
                r.published,
            ]
        )
    return Table(
        "deadlines",
        _("Results deadlines at risk"),
        [
            _("Exam date"),
            _("Item"),
            _("Subject"),
            _("Room"),
            _("Results due"),
            _("Working days left"),
            _("Seated"),
            _("Published"),
        ],
        rows,
        {5, 6, 7},
        note=_(
            "Held sessions not yet fully published that are overdue, due within %(days)s working days, "
            "or whose deadline cannot be computed yet."
        )
        % {"days": queries.AT_RISK_WORKING_DAYS},
    )


def _deferred(f: Filters) -> Table:
    rows = [
        [str(c.plan), str(c.item), ", ".join(str(m) for m in c.months), c.ready, c.detail.get("minimum", "")]
        for c in queries.deferred_cohorts(f)
    ]
    return Table(
        "deferred",
        _("Deferred cohorts"),
        [_("Plan month"), _("Item"), _("Application months"), _("Ready"), _("Minimum")],
        rows,
        {3, 4},
        note=_("Cohorts moved to the next month because fewer candidates than the minimum were ready."),
    )


BUILDERS: dict[str, Callable[[Filters], Table]] = {
    "months": _months,
    "statuses": _statuses,
    "institutions": _institutions,
    "cohorts": _cohorts,
    "pass_occupation": _pass_occupation,
    "pass_subject": _pass_subject,
    "pass_level": _pass_level,
    "pass_institution": _pass_institution,
    "collections": _collections,
    "outstanding": _outstanding,
    "deadlines": _deadlines,
    "deferred": _deferred,
}
SECTION_OF = {
    "months": "applications",
    "statuses": "applications",
    "institutions": "applications",
    "cohorts": "applications",
    "pass_occupation": "results",
    "pass_subject": "results",
    "pass_level": "results",
    "pass_institution": "results",
    "collections": "money",
    "outstanding": "money",
    "deadlines": "deadlines",
    "deferred": "cohorts",
}


def build(key: str, f: Filters) -> Table:
    table = BUILDERS[key](f)
    table.section = SECTION_OF[key]
    table.chart = mark_safe(table.chart)  # noqa: S308 - drawn by charts.py, every text escaped there
    return table
