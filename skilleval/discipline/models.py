"""Discipline (附件 2《参评人员须知》, DOMAIN.md §12): the rule codes as data, incidents, decisions, appeals.

A code says its tier, what it cancels (one subject, the sitting, all subjects, or the qualification), and the
ban it brings (none, the rest of the calendar year, or years by severity). The code table is loaded from the
notice (seed), so a new notice changes rules without a code change. An invigilator records an incident; a
different person decides (the database refuses the same person); the candidate may appeal, and a supervisor
other than the decider answers.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from skilleval.accounts.fields import acting_user
from skilleval.catalog.models import SubjectKind


class Code(models.Model):
    class Effect(models.TextChoices):
        SUBJECT = "subject", _("That subject's score cancelled")
        SITTING = "sitting", _("All subjects of the sitting cancelled")
        ALL = "all", _("All subjects cancelled")
        QUALIFICATION = "qualification", _("Qualification and scores cancelled, fees not returned")

    class BanKind(models.TextChoices):
        NONE = "none", _("No ban")
        YEAR_END = "year_end", _("No evaluation for the rest of the calendar year")
        YEARS = "years", _("No evaluation for years, by severity")

    code = models.CharField(_("code"), max_length=8, unique=True)  # "2.1", "3.4", "4.4", "0"
    tier = models.PositiveSmallIntegerField(_("tier"))
    title = models.CharField(_("rule"), max_length=200)
    title_en = models.CharField(_("rule (English)"), max_length=200, blank=True)
    effect = models.CharField(_("effect"), max_length=14, choices=Effect.choices)
    ban = models.CharField(_("ban"), max_length=10, choices=BanKind.choices, default=BanKind.NONE)
    ban_years_minor = models.PositiveSmallIntegerField(_("ban years (minor)"), default=0)
    ban_years_serious = models.PositiveSmallIntegerField(_("ban years (serious)"), default=0)
    refer_serious = models.BooleanField(_("serious cases referred to the authorities"), default=False)

    class Meta:
        verbose_name = _("discipline rule")
        verbose_name_plural = _("discipline rules")
        ordering = ["tier", "code"]

    def __str__(self):
        return f"{self.code} {self.title}"


class Incident(models.Model):
    """What an invigilator saw, for one candidate and subject, with evidence files."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        DECIDED = "decided", _("Decided")
        DISMISSED = "dismissed", _("Dismissed")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="incidents"
    )
    subject = models.CharField(_("subject"), max_length=12, choices=SubjectKind.choices, blank=True)
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="incidents")
    description = models.TextField(_("what happened"))
    occurred_on = models.DateField(_("date of the misconduct"))
    after_the_event = models.BooleanField(_("found after the event"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"{self.application_id} {self.code_id} {self.occurred_on}"


class Evidence(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence")
    file_name = models.CharField(max_length=64, editable=False)  # privacy.files
    original_name = models.CharField(_("file"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = acting_user()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("incident evidence")
        verbose_name_plural = _("incident evidence")

    def __str__(self):
        return self.original_name


class Decision(models.Model):
    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        SERIOUS = "serious", _("Serious")

    class State(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        OVERTURNED = "overturned", _("Overturned on appeal")

    reference = models.CharField(_("decision number"), max_length=20, unique=True)
    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="decision")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="decisions")
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, blank=True)
    reasons = models.TextField(_("reasons"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)
    subjects_cancelled = models.JSONField(_("subjects cancelled"), default=list)
    ban = models.ForeignKey("people.Ban", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    referred = models.BooleanField(_("referred to the authorities"), default=False)
    appeal_until = models.DateField(_("appeal until"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.IN_FORCE)

    class Meta:
        verbose_name = _("discipline decision")
        verbose_name_plural = _("discipline decisions")
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decided_by=F("recorded_by")), name="decision_by_another_person_than_the_recorder"
            )
        ]

    def __str__(self):
        return self.reference


class Appeal(models.Model):
    class Outcome(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        UPHELD = "upheld", _("Decision upheld")
        OVERTURNED = "overturned", _("Decision overturned")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    text = models.TextField(_("grounds of the appeal"))
    by = acting_user()
    at = models.DateTimeField(_("appealed"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = acting_user()
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["decision"], condition=Q(outcome="open"), name="one_open_appeal_per_decision"
            )
        ]

    def __str__(self):
        return f"{self.decision} {self.outcome}"


class DecisionCounter(models.Model):
    """The last decision serial of a year: decision numbers read CF2026-00012."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("decision counter")
        verbose_name_plural = _("decision counters")

    def __str__(self):
        return f"{self.prefix}: {self.last}"
