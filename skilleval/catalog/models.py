"""The catalog of evaluation items and their subject fees (DOMAIN.md §2), versioned by notice.

A catalog item is keyed by (occupation code, work type or none, level) within one notice. A new notice adds
a new set of items and retires the old ones; nothing is deleted, so an application keeps pointing at the item
(and the fees) it was made under.
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    # The Chinese labels are the official ones printed on certificates (DOMAIN.md §11): `四级/中级工`.
    LEVEL_5 = 5, _("Level 5 / Junior worker")
    LEVEL_4 = 4, _("Level 4 / Intermediate worker")
    LEVEL_3 = 3, _("Level 3 / Senior worker")
    LEVEL_2 = 2, _("Level 2 / Technician")
    LEVEL_1 = 1, _("Level 1 / Senior technician")


class SubjectKind(models.TextChoices):
    THEORY = "theory", _("Theory knowledge")
    PRACTICAL = "practical", _("Practical skills")
    REVIEW = "review", _("Comprehensive review")


class Education(models.TextChoices):
    """Minimum general education (普通受教育程度); the values are the eligibility contract's school kinds."""

    PRIMARY = "primary", _("Primary school")
    JUNIOR_MIDDLE = "junior_middle", _("Junior middle school")
    GENERAL_HIGH = "general_high", _("Senior high school")
    HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational college")
    UNIVERSITY = "university", _("University")


class Notice(models.Model):
    """One notice (通知) that fixes the catalog and fees from a date."""

    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("notice title"), max_length=300)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    effective_from = models.DateField(_("effective from"))
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-effective_from"]
        constraints = [models.UniqueConstraint(fields=["year", "title"], name="notice_year_title_unique")]

    def __str__(self):
        return self.title


class Occupation(models.Model):
    code = models.CharField(_("occupation code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    min_education = models.CharField(
        _("minimum education"), max_length=20, choices=Education.choices, default=Education.JUNIOR_MIDDLE
    )
    marking_or_workpiece = models.BooleanField(
        _("marking or workpiece testing"),
        default=False,
        help_text=_("Results are then due within 30 working days instead of 20 (DOMAIN.md §9)."),
    )
    standard = models.CharField(_("national standard"), max_length=120, blank=True)
    verify_note = models.CharField(
        _("to verify"), max_length=300, blank=True, help_text=_("Facts taken from secondary sources.")
    )

    class Meta:
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class WorkType(models.Model):
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="work_types")
    name = models.CharField(_("work type"), max_length=100)
    name_en = models.CharField(_("work type (English)"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("work type")
        verbose_name_plural = _("work types")
        constraints = [models.UniqueConstraint(fields=["occupation", "name"], name="worktype_unique")]

    def __str__(self):
        return self.name


class RelatedOccupation(models.Model):
    occupation = models.ForeignKey(Occupation, on_delete=models.CASCADE, related_name="related_occupations")
    code = models.CharField(_("occupation code"), max_length=16)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("related occupation")
        verbose_name_plural = _("related occupations")
        constraints = [
            models.UniqueConstraint(fields=["occupation", "code"], name="related_occupation_unique")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class RelatedMajor(models.Model):
    occupation = models.ForeignKey(Occupation, on_delete=models.CASCADE, related_name="related_majors")
    name = models.CharField(_("major"), max_length=100)

    class Meta:
        verbose_name = _("related major")
        verbose_name_plural = _("related majors")
        constraints = [models.UniqueConstraint(fields=["occupation", "name"], name="related_major_unique")]

    def __str__(self):
        return self.name


class CatalogItemQuerySet(models.QuerySet):
    def in_force(self, on):
        return self.filter(effective_from__lte=on).filter(Q(retired_on__isnull=True) | Q(retired_on__gt=on))


class CatalogItem(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="items")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="items")
    work_type = models.ForeignKey(
        WorkType, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    effective_from = models.DateField(_("effective from"))
    retired_on = models.DateField(_("retired on"), null=True, blank=True)

    objects = CatalogItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog item")
        verbose_name_plural = _("catalog items")
        ordering = ["occupation__code", "work_type__name", "-level"]
        constraints = [
            # Two constraints because NULL work types are distinct in a plain unique index.
            models.UniqueConstraint(
                fields=["notice", "occupation", "work_type", "level"],
                condition=Q(work_type__isnull=False),
                name="item_unique_with_work_type",
            ),
            models.UniqueConstraint(
                fields=["notice", "occupation", "level"],
                condition=Q(work_type__isnull=True),
                name="item_unique_without_work_type",
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="item_level_range"),
            models.CheckConstraint(
                condition=Q(retired_on__isnull=True) | Q(retired_on__gt=models.F("effective_from")),
                name="item_retired_after_effective",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} {self.get_level_display()}"

    @property
    def display_name(self) -> str:
        """`网络与信息安全管理员（信息安全管理员）` as the notice writes it."""
        if self.work_type_id:
            return f"{self.occupation.name}（{self.work_type.name}）"
        return self.occupation.name

    def total_fee(self) -> Decimal:
        return sum((s.fee for s in self.subjects.all()), Decimal("0.00"))


class ItemSubject(models.Model):
    """One subject of an item: its own fee (so a make-up is priced per failed subject), pass mark,
    duration and staffing ratio (DOMAIN.md §2)."""

    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="subjects")
    kind = models.CharField(_("subject"), max_length=12, choices=SubjectKind.choices)
    fee = models.DecimalField(_("fee (CNY)"), max_digits=10, decimal_places=2)
    full_mark = models.DecimalField(_("full mark"), max_digits=5, decimal_places=1, default=Decimal("100"))
    pass_mark = models.DecimalField(_("pass mark"), max_digits=5, decimal_places=1)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    candidates_per_staff = models.PositiveSmallIntegerField(
        _("candidates per invigilator/examiner"), validators=[MinValueValidator(1)]
    )
    min_staff = models.PositiveSmallIntegerField(
        _("minimum staff per room"), validators=[MinValueValidator(1)]
    )
    odd_staff = models.BooleanField(_("odd number of examiners"), default=False)
    verify_note = models.CharField(_("to verify"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["item", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["item", "kind"], name="subject_unique_per_item"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="subject_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(pass_mark__gt=0) & Q(pass_mark__lte=models.F("full_mark")),
                name="subject_pass_mark_within_full_mark",
            ),
        ]

    def __str__(self):
        return f"{self.item} · {self.get_kind_display()}"


SUBJECT_ORDER = {SubjectKind.THEORY: 0, SubjectKind.PRACTICAL: 1, SubjectKind.REVIEW: 2}
