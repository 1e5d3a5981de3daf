"""Reads of the catalog shared by the public pages and the API (plain querysets, no service layer)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import translation

from skilleval.catalog.models import SUBJECT_ORDER, CatalogItem, ItemSubject, Level, SubjectKind


@dataclass(frozen=True)
class SubjectRow:
    kind: str
    name: str
    fee: Decimal


@dataclass(frozen=True)
class ItemRow:
    id: int
    occupation_code: str
    occupation: str
    work_type: str | None
    name: str
    level: int
    level_label: str
    subjects: list[SubjectRow]
    total: Decimal
    effective_from: date

    @property
    def fees(self) -> dict[str, Decimal]:
        return {s.kind: s.fee for s in self.subjects}


def items_in_force(on: date) -> list[ItemRow]:
    english = translation.get_language() == "en"
    items = (
        CatalogItem.objects.in_force(on)
        .select_related("occupation", "work_type")
        .prefetch_related(Prefetch("subjects", queryset=ItemSubject.objects.all()))
        .order_by("occupation__code", "work_type__name", "-level")
    )
    rows = []
    for item in items:
        occupation = item.occupation.name_en if english and item.occupation.name_en else item.occupation.name
        work_type = None
        if item.work_type_id:
            work_type = item.work_type.name_en if english and item.work_type.name_en else item.work_type.name
        subjects = sorted(item.subjects.all(), key=lambda s: SUBJECT_ORDER[s.kind])
        rows.append(
            ItemRow(
                id=item.pk,
                occupation_code=item.occupation.code,
                occupation=occupation,
                work_type=work_type,
                name=f"{occupation} ({work_type})"
                if english and work_type
                else (f"{occupation}（{work_type}）" if work_type else occupation),
                level=item.level,
                level_label=str(Level(item.level).label),
                subjects=[SubjectRow(s.kind, str(SubjectKind(s.kind).label), s.fee) for s in subjects],
                total=item.total_fee(),
                effective_from=item.effective_from,
            )
        )
    return rows
