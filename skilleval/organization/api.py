"""`GET /api/v1/cycles?year=2026`: application month → evaluation deadline (DOMAIN.md §5)."""

from datetime import date

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from skilleval.organization.models import EvaluationCycle

router = Router(tags=["calendar"])


class CycleOut(Schema):
    year: int
    month: int
    evaluate_by: date
    note: str


@router.get("/cycles", response=list[CycleOut], summary="The monthly evaluation cycle of a year")
def cycles(request, year: int | None = Query(None, ge=2000, le=2100)):
    year = year or timezone.localdate().year
    rows = list(EvaluationCycle.objects.filter(year=year).order_by("month"))
    if not rows:
        raise HttpError(404, _("No evaluation cycle is published for %(year)s.") % {"year": year})
    english = translation.get_language() == "en"
    return [
        CycleOut(
            year=c.year, month=c.month, evaluate_by=c.evaluate_by, note=(c.note_en if english else c.note)
        )
        for c in rows
    ]
