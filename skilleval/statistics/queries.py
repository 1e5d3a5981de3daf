"""The numbers of the staff dashboard (issue 11): plain reads, each returning rows a test can compare with
the rows beneath them.

Periods are calendar months in Asia/Shanghai (the project's TIME_ZONE; DOMAIN.md §5). An application counts
in the month it was submitted, with the status it has today; drafts never submitted are not counted. A pass
rate counts results by exam date and subjects by session date. Money comes from the cashier's reports
(payments.reports) so the dashboard and the cashier never disagree.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Channel
from skilleval.catalog.models import ItemSubject
from skilleval.core.money import to_money
from skilleval.payments.reports import daily_collections, outstanding
from skilleval.results.models import Result, Score
from skilleval.results.services import board
from skilleval.scheduling.models import Cohort

# "Results deadlines at risk": overdue, or this many working days left or fewer (issue 11).
AT_RISK_WORKING_DAYS = 5


@dataclass(frozen=True)
class Filters:
    year: int
    month_from: int = 1
    month_to: int = 12
    occupation: int | None = None  # catalog.Occupation id
    institution: int | None = None  # accounts.Institution id
    channel: str = ""  # applications.Channel value
    today: date = field(default_factory=timezone.localdate, compare=False)

    @property
    def start(self) -> date:
        return date(self.year, self.month_from, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month_to, calendar.monthrange(self.year, self.month_to)[1])

    @property
    def months(self) -> range:
        return range(self.month_from, self.month_to + 1)

    def as_query(self) -> dict:
        """The filters as GET parameters (links, the export, the audit row)."""
        query = {"year": self.year, "from": self.month_from, "to": self.month_to}
        for key in ("occupation", "institution", "channel"):
            if getattr(self, key):
                query[key] = getattr(self, key)
        return query


def parse_filters(params, *, today: date | None = None) -> Filters:
    """Filters from GET parameters; anything malformed falls back to its default rather than failing."""
    today = today or timezone.localdate()

    def number(name, default, low, high):
        try:
            value = int(params.get(name, ""))
        except (TypeError, ValueError):
            return default
        return value if low <= value <= high else default

    month_from = number("from", 1, 1, 12)
    month_to = number("to", 12, 1, 12)
    if month_to < month_from:
        month_from, month_to = month_to, month_from
    channel = params.get("channel", "")
    return Filters(
        year=number("year", today.year, 2000, 2100),
        month_from=month_from,
        month_to=month_to,
        occupation=number("occupation", None, 1, 2**31),
        institution=number("institution", None, 1, 2**31),
        channel=channel if channel in Channel.values else "",
        today=today,
    )


def _applications(f: Filters, prefix: str = ""):
    """The filter on an application, reached through `prefix` (e.g. "application__") from other rows."""
    q = Q()
    if f.occupation:
        q &= Q(**{f"{prefix}occupation_id": f.occupation})
    if f.institution:
        q &= Q(**{f"{prefix}institution_id": f.institution})
    if f.channel:
        q &= Q(**{f"{prefix}channel": f.channel})
    return q


def submitted_in_period(f: Filters):
    return Application.objects.filter(
        _applications(f),
        submitted_at__date__gte=f.start,
        submitted_at__date__lte=f.end,
    )


# -- applications --------------------------------------------------------------------------------------------


def applications_by_month(f: Filters) -> list[dict]:
    """Every month of the period, with zero where nothing was submitted (a chart needs the gaps)."""
    counts = dict(
        submitted_in_period(f)
        .annotate(month=ExtractMonth("submitted_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("month", "n")
    )
    return [{"month": f"{f.year}-{m:02d}", "applications": counts.get(m, 0)} for m in f.months]


def applications_by_status(f: Filters) -> list[dict]:
    """In the order of the application's life (lifecycle.Status), statuses without applications left out."""
    counts = dict(
        submitted_in_period(f).values("status").annotate(n=Count("pk")).order_by().values_list("status", "n")
    )
    return [{"status": s.value, "applications": counts[s.value]} for s in Status if counts.get(s.value)]


def applications_by_institution(f: Filters) -> list[dict]:
    """Institutions by number of applications; individual applicants (no institution) as institution ""."""
    rows = (
        submitted_in_period(f)
        .values("institution__name")
        .annotate(applications=Count("pk"))
        .order_by("-applications", "institution__name")
    )
    return [{"institution": r["institution__name"] or "", "applications": r["applications"]} for r in rows]


def applications_by_cohort(f: Filters) -> list[dict]:
    """A cohort is a catalog item and an application month (DOMAIN.md §5)."""
    rows = (
        submitted_in_period(f)
        .annotate(month=ExtractMonth("submitted_at"))
        .values("item", "month")
        .annotate(applications=Count("pk"))
        .order_by("month", "item__occupation__code", "item__work_type__name", "-item__level")
    )
    return [
        {"item": r["item"], "month": f"{f.year}-{r['month']:02d}", "applications": r["applications"]}
        for r in rows
    ]


# -- pass rates (DOMAIN.md §9) -------------------------------------------------------------------------------


def rate(passed: int, total: int) -> Decimal | None:
    """Per cent with one decimal, rounded half up; None when nobody sat."""
    if not total:
        return None
    return (Decimal(passed) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _with_rate(rows) -> list[dict]:
    return [{**r, "rate": rate(r["passed"], r["total"])} for r in rows]


def pass_rates(f: Filters, *, by: str) -> list[dict]:
    """Results (whole applications) with an exam date in the period, grouped `by` "occupation", "level" or
    "institution": total, passed and the rate. A result passes only when every subject passed."""
    key = {
        "occupation": "application__occupation",
        "level": "application__level",
        "institution": "application__institution__name",
    }[by]
    rows = (
        Result.objects.filter(_applications(f, "application__"), exam_date__gte=f.start, exam_date__lte=f.end)
        .values(key)
        .annotate(total=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .order_by(key)
    )
    return _with_rate(
        {by: r[key] if r[key] is not None else "", "total": r["total"], "passed": r["passed"]} for r in rows
    )


def pass_rates_by_subject(f: Filters) -> list[dict]:
    """Published scores of sessions in the period, by subject. The rule is results.services.passes: at the
    item's pass mark, and an absent or cancelled subject fails; here it is counted by the database."""
    pass_mark = ItemSubject.objects.filter(item=OuterRef("seat__session__item"), kind=OuterRef("subject"))
    rows = (
        Score.objects.filter(
            _applications(f, "application__"),
            state=Score.State.PUBLISHED,
            seat__session__date__gte=f.start,
            seat__session__date__lte=f.end,
        )
        .annotate(pass_mark=Subquery(pass_mark.values("pass_mark")[:1]))
        .values("subject")
        .annotate(
            total=Count("pk"),
            passed=Count(
                "pk", filter=Q(absent=False, cancelled=False, value__isnull=False, value__gte=F("pass_mark"))
            ),
        )
        .order_by("subject")
    )
    return _with_rate({"subject": r["subject"], "total": r["total"], "passed": r["passed"]} for r in rows)


# -- money (DOMAIN.md §6) ------------------------------------------------------------------------------------


def collections_by_month(f: Filters) -> list[dict]:
    """The cashier's daily collections of the period, summed per month (every month of the period)."""
    months: dict[int, dict] = defaultdict(lambda: {"payments": 0, "amount": Decimal("0.00")})
    for day in daily_collections(f.start, f.end):
        months[day["date"].month]["payments"] += day["payments"]
        months[day["date"].month]["amount"] += day["amount"]
    return [
        {
            "month": f"{f.year}-{m:02d}",
            "payments": months[m]["payments"],
            "amount": to_money(months[m]["amount"]),
        }
        for m in f.months
    ]


def fees_outstanding(f: Filters, *, institution_name: str | None = None) -> list[dict]:
    """The cashier's outstanding fees as of today (payments.reports.outstanding), narrowed to one
    institution when asked; the report has no occupation or channel to narrow by."""
    rows = outstanding()
    if institution_name is not None:
        rows = [r for r in rows if r["institution"] == institution_name]
    return rows


def money_totals(collections: list[dict], owed: list[dict]) -> dict:
    return {
        "collected": to_money(sum((r["amount"] for r in collections), Decimal("0.00"))),
        "payments": sum(r["payments"] for r in collections),
        "outstanding": to_money(sum((r["amount"] for r in owed), Decimal("0.00"))),
        "unpaid": sum(r["applications"] for r in owed),
    }


# -- deadlines and cohorts (DOMAIN.md §5, §9) ----------------------------------------------------------------


def deadlines_at_risk(f: Filters) -> list:
    """The results board's sessions that are overdue or within AT_RISK_WORKING_DAYS working days of their
    deadline, and those whose deadline is unknown (calendar year not loaded): results.services.BoardRow."""
    return [
        row
        for row in board(on=f.today)
        if (row.days_left is None or row.days_left <= AT_RISK_WORKING_DAYS)
        and (not f.occupation or row.session.item.occupation_id == f.occupation)
    ]


def deferred_cohorts(f: Filters) -> list[Cohort]:
    """Cohorts of the period's month plans moved to the next month for want of candidates (DOMAIN.md §5)."""
    cohorts = Cohort.objects.filter(
        outcome=Cohort.Outcome.DEFERRED,
        plan__year=f.year,
        plan__month__gte=f.month_from,
        plan__month__lte=f.month_to,
    ).select_related("plan", "item__occupation", "item__work_type")
    if f.occupation:
        cohorts = cohorts.filter(item__occupation_id=f.occupation)
    return list(cohorts.order_by("plan__month", "item__occupation__code", "-item__level"))
