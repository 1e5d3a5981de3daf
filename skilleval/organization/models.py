"""What the notice says about the organization itself: its profile, its policy defaults, its monthly cycle.

All of it is data staff edit when a new notice comes (DOMAIN.md: "policy default", §5, §6, §13).
"""

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """The one evaluation organization this installation serves; a single editable row (pk=1)."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    filing_number = models.CharField(_("filing number"), max_length=13)
    taxpayer_id = models.CharField(_("taxpayer id (unified social credit code)"), max_length=18)
    bank_name = models.CharField(_("bank"), max_length=200)
    bank_name_en = models.CharField(_("bank (English)"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40)
    account_name = models.CharField(_("account name"), max_length=200)
    office_address = models.CharField(_("office address"), max_length=300)
    office_address_en = models.CharField(_("office address (English)"), max_length=300, blank=True)
    office_hours = models.CharField(_("office hours"), max_length=200)
    office_hours_en = models.CharField(_("office hours (English)"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=60)
    email = models.EmailField(_("e-mail"))
    supervision_phones = models.CharField(_("supervision phones"), max_length=120)
    website_lookup = models.CharField(_("certificate lookup sites"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organization profile")
        verbose_name_plural = _("organization profile")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="organization_singleton")]

    def __str__(self):
        return self.name


class PolicySetting(models.Model):
    """A rule that changes by notice (the 30-person threshold, the payment deadline, validity periods …).

    Several rows per key, each from its effective date; the one in force on a date is the latest that has
    started. Past decisions keep the value that was in force when they were taken.
    """

    key = models.CharField(_("key"), max_length=80)
    value = models.JSONField(_("value"))
    effective_from = models.DateField(_("effective from"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("Notice or decision"))

    class Meta:
        verbose_name = _("policy setting")
        verbose_name_plural = _("policy settings")
        ordering = ["key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="policy_key_effective_unique")
        ]

    def __str__(self):
        return f"{self.key} = {self.value} ({self.effective_from})"


class EvaluationCycle(models.Model):
    """Applications of one month are evaluated by a date (DOMAIN.md §5), one row per application month."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("application month"))
    evaluate_by = models.DateField(_("evaluated by"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    note_en = models.CharField(_("note (English)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("evaluation cycle")
        verbose_name_plural = _("evaluation cycles")
        ordering = ["year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="cycle_year_month_unique"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="cycle_month_range"),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d} → {self.evaluate_by}"

    @property
    def month_start(self):
        return date(self.year, self.month, 1)
