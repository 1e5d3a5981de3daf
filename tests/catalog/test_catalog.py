"""The catalog of the 2026 notice (DOMAIN.md §2; issue 2 item 3)."""

import copy
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from skilleval.audit.models import AuditEntry
from skilleval.catalog.models import CatalogItem, ItemSubject, Notice, Occupation
from skilleval.catalog.queries import items_in_force
from skilleval.catalog.services import load_notice_catalog, retire_item
from skilleval.core.errors import DomainError

pytestmark = pytest.mark.django_db

# The notice's fee table, verbatim: (code, work type, level) -> (theory, practical, total).
NOTICE_FEES = {
    ("4-04-05-05", None, 4): ("100", "300", "400"),
    ("4-04-05-05", None, 3): ("100", "400", "500"),
    ("4-04-04-02", "信息安全管理员", 4): ("100", "400", "500"),
    ("4-04-04-02", "信息安全管理员", 3): ("100", "450", "550"),
    ("4-04-04-02", "网络安全管理员", 4): ("100", "400", "500"),
    ("4-04-04-02", "网络安全管理员", 3): ("100", "450", "550"),
    ("4-04-05-01", None, 4): ("100", "250", "350"),
    ("4-04-05-01", None, 3): ("100", "300", "400"),
}


def test_the_2026_notice_loads_exactly_its_fee_table(notice_2026):
    items = CatalogItem.objects.select_related("occupation", "work_type").prefetch_related("subjects")
    loaded = {}
    for item in items:
        fees = {s.kind: s.fee for s in item.subjects.all()}
        key = (item.occupation.code, item.work_type.name if item.work_type else None, item.level)
        loaded[key] = (fees["theory"], fees["practical"], item.total_fee())
        assert set(fees) == {"theory", "practical"}  # no comprehensive review at levels 4 and 3
    expected = {k: tuple(Decimal(v) for v in fees) for k, fees in NOTICE_FEES.items()}
    assert loaded == expected


def test_four_items_distinguish_a_work_type_under_one_code(notice_2026):
    under_code = CatalogItem.objects.filter(occupation__code="4-04-04-02")
    assert under_code.count() == 4
    assert set(under_code.values_list("work_type__name", flat=True)) == {"信息安全管理员", "网络安全管理员"}
    item = under_code.get(work_type__name="网络安全管理员", level=3)
    assert item.display_name == "网络与信息安全管理员（网络安全管理员）"


def test_fees_are_exact_decimals_and_subjects_carry_pass_marks_and_ratios(notice_2026):
    subject = ItemSubject.objects.get(item__occupation__code="4-04-05-01", item__level=4, kind="practical")
    assert subject.fee == Decimal("250.00") and isinstance(subject.fee, Decimal)
    assert subject.pass_mark == Decimal("60") and subject.full_mark == Decimal("100")
    assert (subject.candidates_per_staff, subject.min_staff, subject.odd_staff) == (5, 3, True)
    theory = ItemSubject.objects.get(item=subject.item, kind="theory")
    assert (theory.candidates_per_staff, theory.min_staff) == (15, 2)


def test_occupations_hold_minimum_education_and_related_lists(notice_2026):
    trainer = Occupation.objects.get(code="4-04-05-05")
    assert trainer.min_education == "junior_middle"
    assert Occupation.objects.get(code="4-04-05-01").min_education == "general_high"
    assert trainer.related_majors.filter(name="人工智能技术应用").exists()
    assert trainer.related_occupations.filter(code="4-04-05-01").exists()
    assert "VERIFY" in trainer.verify_note


def test_loading_the_same_notice_again_changes_nothing(notice_2026, notice_2026_data):
    audit_rows = AuditEntry.objects.count()
    load_notice_catalog(notice_2026_data, by=None)
    assert Notice.objects.count() == 1
    assert CatalogItem.objects.count() == 8
    assert AuditEntry.objects.count() == audit_rows


def test_a_new_notice_adds_a_version_and_keeps_the_old_items_and_fees(notice_2026, notice_2026_data):
    old_item = CatalogItem.objects.get(occupation__code="4-04-05-05", level=3)
    data = copy.deepcopy(notice_2026_data)
    data["notice"].update(year=2027, title="2027 年通知", effective_from="2027-01-01")
    data["items"] = [i for i in data["items"] if i["occupation"] != "4-04-05-01"]  # programmer dropped
    data["items"][1]["fees"]["practical"] = "420"  # AI trainer level 3 practical goes up

    load_notice_catalog(data, by=None)

    old_item.refresh_from_db()
    assert old_item.retired_on == date(2027, 1, 1)
    assert old_item.total_fee() == Decimal("500.00")  # what applications made in 2026 still point at
    in_2026 = items_in_force(date(2026, 6, 1))
    in_2027 = items_in_force(date(2027, 6, 1))
    assert len(in_2026) == 8 and len(in_2027) == 6
    trainer_l3 = next(i for i in in_2027 if i.occupation_code == "4-04-05-05" and i.level == 3)
    assert trainer_l3.total == Decimal("520.00")
    entry = AuditEntry.objects.filter(action="catalog.notice.load").latest("seq")
    assert entry.data["retired_items"] == 8


def test_retiring_an_item_is_audited_and_cannot_happen_twice(notice_2026, admin_alice):
    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    retire_item(item, on=date(2026, 7, 1), by=admin_alice)
    entry = AuditEntry.objects.get(action="catalog.item.retire")
    assert entry.actor_label == "alice" and entry.target_id == str(item.pk)
    assert len(items_in_force(date(2026, 7, 1))) == 7
    with pytest.raises(DomainError):
        retire_item(item, on=date(2026, 8, 1), by=admin_alice)


def test_the_database_refuses_a_second_item_for_the_same_key(notice_2026):
    item = CatalogItem.objects.get(occupation__code="4-04-05-05", level=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        CatalogItem.objects.create(
            notice=item.notice,
            occupation=item.occupation,
            work_type=None,
            level=4,
            effective_from=date(2026, 1, 1),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemSubject.objects.create(
            item=item,
            kind="theory",
            fee=Decimal("-1"),
            pass_mark=Decimal("60"),
            candidates_per_staff=1,
            min_staff=1,
        )


def test_floats_are_refused_as_money():
    from skilleval.core.money import format_cny, to_money

    with pytest.raises(TypeError):
        to_money(100.0)
    assert to_money("450") == Decimal("450.00")
    assert to_money(Decimal("0.005")) == Decimal("0.01")
    assert format_cny(Decimal("1234.5")) == "¥1,234.50"
    with pytest.raises(ValueError):
        to_money("NaN")
