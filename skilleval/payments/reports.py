"""The cashier's reports (issue 5): money collected per day, fees outstanding by cohort and institution.

Plain reads. A cohort is the catalog item and the application month (DOMAIN.md §5). Exports go through the
spreadsheet writer, which keeps a cell starting with = + - @ (or their full-width forms) as text."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.core.money import to_money
from skilleval.payments.models import Payment
from skilleval.payments.services import quote


def daily_collections(start: date, end: date) -> list[dict]:
    rows = (
        Payment.objects.filter(state=Payment.State.CONFIRMED, received_on__gte=start, received_on__lte=end)
        .values("received_on")
        .annotate(payments=Count("pk"), amount=Sum("amount_received"))
        .order_by("received_on")
    )
    # SQLite's SUM loses the decimal scale; money is shown as exact CNY with two places.
    return [
        {"date": r["received_on"], "payments": r["payments"], "amount": to_money(r["amount"])} for r in rows
    ]


def outstanding() -> list[dict]:
    """Approved applications whose fee is not yet confirmed, grouped by cohort and institution."""
    groups: dict[tuple, dict] = defaultdict(lambda: {"applications": 0, "amount": Decimal("0.00")})
    applications = (
        Application.objects.filter(status=Status.APPROVED)
        .select_related("item__occupation", "item__work_type", "institution")
        .prefetch_related("item__subjects")
    )
    for application in applications:
        month = application.submitted_at.strftime("%Y-%m") if application.submitted_at else ""
        institution = application.institution.name if application.institution_id else ""
        group = groups[(str(application.item), month, institution)]
        group["applications"] += 1
        group["amount"] += quote(application).total
    return [
        {"item": item, "month": month, "institution": institution, **values}
        for (item, month, institution), values in sorted(groups.items())
    ]
