"""Loading a notice's catalog and retiring items: the only writes to the catalog, each audited."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from skilleval.audit.services import record
from skilleval.catalog.models import (
    CatalogItem,
    ItemSubject,
    Notice,
    Occupation,
    RelatedMajor,
    RelatedOccupation,
    WorkType,
)
from skilleval.core.errors import DomainError
from skilleval.core.money import to_money

OCCUPATION_FIELDS = ("name", "name_en", "min_education", "marking_or_workpiece", "standard", "verify_note")


def load_notice_catalog(data: dict, *, by) -> Notice:
    """Load a notice's catalog: the `notice`, `occupations`, `subject_defaults` and `items` of a seed file.

    Idempotent: loading the same notice again changes nothing. A new notice retires the items of the notices
    before it on its effective date; their rows and fees stay for the applications made under them.
    """
    spec = data["notice"]
    effective_from = date.fromisoformat(spec["effective_from"])
    existing = Notice.objects.filter(year=spec["year"], title=spec["title"]).first()
    if existing:
        return existing
    with transaction.atomic():
        notice = Notice.objects.create(
            year=spec["year"],
            title=spec["title"],
            reference=spec.get("reference", ""),
            effective_from=effective_from,
        )
        occupations = {o["code"]: _upsert_occupation(o) for o in data["occupations"]}
        retired = (
            CatalogItem.objects.filter(retired_on__isnull=True, effective_from__lt=effective_from)
            .exclude(notice=notice)
            .update(retired_on=effective_from)
        )
        defaults = data["subject_defaults"]
        for item_spec in data["items"]:
            _create_item(notice, occupations, item_spec, defaults, effective_from)
        record(
            by,
            "catalog.notice.load",
            notice,
            {"items": len(data["items"]), "retired_items": retired, "effective_from": effective_from},
        )
    return notice


def _upsert_occupation(spec: dict) -> Occupation:
    occupation, _created = Occupation.objects.update_or_create(
        code=spec["code"], defaults={k: spec[k] for k in OCCUPATION_FIELDS if k in spec}
    )
    for name, name_en in spec.get("work_types", []):
        WorkType.objects.update_or_create(occupation=occupation, name=name, defaults={"name_en": name_en})
    for code, name in spec.get("related_occupations", []):
        RelatedOccupation.objects.get_or_create(occupation=occupation, code=code, defaults={"name": name})
    for major in spec.get("related_majors", []):
        RelatedMajor.objects.get_or_create(occupation=occupation, name=major)
    return occupation


def _create_item(notice, occupations, spec, defaults, effective_from) -> CatalogItem:
    occupation = occupations.get(spec["occupation"])
    if occupation is None:
        raise DomainError(f"item names an occupation the notice does not list: {spec['occupation']}")
    work_type = None
    if spec.get("work_type"):
        work_type = WorkType.objects.get(occupation=occupation, name=spec["work_type"])
    item = CatalogItem.objects.create(
        notice=notice,
        occupation=occupation,
        work_type=work_type,
        level=spec["level"],
        effective_from=effective_from,
    )
    ItemSubject.objects.bulk_create(
        ItemSubject(
            item=item,
            kind=kind,
            fee=to_money(fee),
            full_mark=to_money(defaults[kind]["full_mark"]),
            pass_mark=to_money(defaults[kind]["pass_mark"]),
            duration_minutes=defaults[kind]["duration_minutes"],
            candidates_per_staff=defaults[kind]["candidates_per_staff"],
            min_staff=defaults[kind]["min_staff"],
            odd_staff=defaults[kind]["odd_staff"],
            verify_note=defaults.get("verify_note", ""),
        )
        for kind, fee in spec["fees"].items()
    )
    return item


def retire_item(item: CatalogItem, *, on: date, by) -> CatalogItem:
    if item.retired_on is not None:
        raise DomainError(_("This item is retired already."), code="already_retired")
    if on <= item.effective_from:
        raise DomainError(
            _("An item can only be retired after it took effect."), code="retire_before_effective"
        )
    with transaction.atomic():
        item.retired_on = on
        item.save(update_fields=["retired_on"])
        record(by, "catalog.item.retire", item, {"retired_on": on})
    return item
