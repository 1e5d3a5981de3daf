"""The official holiday calendar, one year at a time (DOMAIN.md §9).

A year is either loaded (its holidays and make-up workdays are all here) or it is not; a date in a year that
is not loaded is never guessed at. Years the maintained package covers are seeded from it; later years are
entered by staff from the State Council's notice, published late in the year before.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    class Source(models.TextChoices):
        PACKAGE = "package", _("Official calendar package")
        STAFF = "staff", _("Entered by staff")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    reference = models.CharField(_("official notice"), max_length=200, blank=True)
    complete = models.BooleanField(
        _("complete"),
        default=False,
        help_text=_("Only a complete year is used for deadlines; mark it once every holiday is entered."),
    )
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (day off)")
        WORKDAY = "workday", _("Make-up working day")

    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"
