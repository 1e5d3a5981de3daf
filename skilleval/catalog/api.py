"""`GET /api/v1/catalog`: the items in force, with subject fees and totals (DOMAIN.md §2)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone
from ninja import Router, Schema

from skilleval.catalog.queries import items_in_force

router = Router(tags=["catalog"])


class SubjectOut(Schema):
    kind: str
    name: str
    fee: Decimal


class ItemOut(Schema):
    id: int
    occupation_code: str
    occupation: str
    work_type: str | None
    name: str
    level: int
    level_label: str
    subjects: list[SubjectOut]
    total: Decimal
    effective_from: date


@router.get("/catalog", response=list[ItemOut], summary="Catalog items in force, with subject fees (CNY)")
def catalog(request, on: date | None = None):
    """Fees are exact decimal strings. `on` (default today, Asia/Shanghai) picks the notice in force."""
    return items_in_force(on or timezone.localdate())
