"""Scores, results and make-up (DOMAIN.md §9, §10).

A score belongs to one seat (one candidate, one subject, one session). It is entered by one person, verified
by another (the database refuses the same person twice), and published by a supervisor; once published it
carries a keyed integrity tag, and a change is a request with a reason that a different supervisor approves
(again refused by the database for the same person). Every value a score ever had is in its events.

A result is an application's outcome once all its scores are published: passed or not, the exam date, the
public notice period (公示) and the review (复核) window before certificates, and how long passed subjects
stay valid for a make-up.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from skilleval.accounts.fields import acting_user
from skilleval.catalog.models import SubjectKind


class Score(models.Model):
    class State(models.TextChoices):
        ENTERED = "entered", _("Entered")
        VERIFIED = "verified", _("Verified")
        PUBLISHED = "published", _("Published")

    seat = models.OneToOneField("scheduling.SeatAssignment", on_delete=models.PROTECT, related_name="score")
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="scores"
    )
    subject = models.CharField(_("subject"), max_length=12, choices=SubjectKind.choices)
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    absent = models.BooleanField(_("absent"), default=False)
    cancelled = models.BooleanField(_("cancelled (discipline)"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ENTERED)
    entered_by = acting_user()
    entered_at = models.DateTimeField(_("entered"), auto_now_add=True)
    verified_by = acting_user()
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    published_by = acting_user()
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    tag = models.CharField(max_length=64, blank=True, editable=False)  # keyed integrity tag once published

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.CheckConstraint(
                condition=Q(absent=True, value__isnull=True) | Q(absent=False, value__isnull=False),
                name="score_is_a_value_or_absent",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0) | Q(value__isnull=True), name="score_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=F("entered_by")),
                name="score_verified_by_another_person",
            ),
            models.CheckConstraint(
                condition=~Q(state="entered") | Q(verified_by__isnull=True),
                name="score_entered_is_unverified",
            ),
        ]
        indexes = [models.Index(fields=["application", "subject"], name="score_application_subject")]

    def __str__(self):
        return f"{self.seat_id} {self.subject}: {'absent' if self.absent else self.value}"


class ScoreEvent(models.Model):
    """Every value a score had and every step it took: the score's history, append-only."""

    class Action(models.TextChoices):
        ENTER = "enter", _("Entered")
        CORRECT = "correct", _("Corrected before verification")
        VERIFY = "verify", _("Verified")
        PUBLISH = "publish", _("Published")
        CHANGE = "change", _("Changed after publication")
        CANCEL = "cancel", _("Cancelled (discipline)")
        RESTORE = "restore", _("Cancellation lifted on appeal")

    score = models.ForeignKey(Score, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("step"), max_length=10, choices=Action.choices)
    value = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    absent = models.BooleanField(_("absent"), default=False)
    by = acting_user()
    at = models.DateTimeField(_("when"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("score history")
        verbose_name_plural = _("score history")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.score_id} {self.action}"


class ScoreChange(models.Model):
    """A change to a published score: asked with a reason, decided by a different supervisor."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    score = models.ForeignKey(Score, on_delete=models.PROTECT, related_name="changes")
    value = models.DecimalField(_("new score"), max_digits=5, decimal_places=1, null=True, blank=True)
    absent = models.BooleanField(_("absent"), default=False)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = acting_user()
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("score change request")
        verbose_name_plural = _("score change requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="score_change_approved_by_another_supervisor",
            ),
            models.UniqueConstraint(
                fields=["score"], condition=Q(state="pending"), name="one_pending_change_per_score"
            ),
        ]

    def __str__(self):
        return f"{self.score_id} → {self.value}"


class Result(models.Model):
    """An application's outcome, once every score of it is published (DOMAIN.md §9)."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="result"
    )
    passed = models.BooleanField(_("passed"))
    exam_date = models.DateField(_("exam date"))
    original_exam_date = models.DateField(_("date of the original attempt"))
    published_at = models.DateTimeField(_("published"))
    notice_until = models.DateField(_("public notice until"))
    valid_until = models.DateField(_("passed subjects valid until"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    tag = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")

    def __str__(self):
        return f"{self.application_id}: {'passed' if self.passed else 'not passed'}"


class ReviewRequest(models.Model):
    """A candidate's request to have a score reviewed (复核), within the public notice period; a person
    answers it."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Score upheld")
        CHANGED = "changed", _("Score changed")

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="reviews")
    subject = models.CharField(_("subject"), max_length=12, choices=SubjectKind.choices)
    reason = models.TextField(_("reason"))
    requested_by = acting_user()
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = acting_user()
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")
        constraints = [
            models.UniqueConstraint(
                fields=["result", "subject"], condition=Q(state="open"), name="one_open_review_per_subject"
            )
        ]

    def __str__(self):
        return f"{self.result_id} {self.subject}"


class SubjectMapping(models.Model):
    """The published make-up plan after a change of assessment mode (DOMAIN.md §10): a subject passed under
    the old item counts as this subject of the new one."""

    old_item = models.ForeignKey("catalog.CatalogItem", on_delete=models.PROTECT, related_name="+")
    old_subject = models.CharField(_("old subject"), max_length=12, choices=SubjectKind.choices)
    new_item = models.ForeignKey("catalog.CatalogItem", on_delete=models.PROTECT, related_name="+")
    new_subject = models.CharField(_("new subject"), max_length=12, choices=SubjectKind.choices)
    reference = models.CharField(_("published in"), max_length=200)

    class Meta:
        verbose_name = _("make-up subject mapping")
        verbose_name_plural = _("make-up subject mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["old_item", "old_subject", "new_item"], name="one_mapping_per_subject"
            )
        ]

    def __str__(self):
        return f"{self.old_item} {self.old_subject} → {self.new_item} {self.new_subject}"


class Cancellation(models.Model):
    """A subject of an application cancelled by a discipline decision (DOMAIN.md §12): its score, entered now
    or later, counts as failed and shows as cancelled. Lifted when an appeal overturns the decision."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="cancellations"
    )
    subject = models.CharField(_("subject"), max_length=12, choices=SubjectKind.choices)
    reason = models.CharField(_("reason"), max_length=300)
    decision = models.CharField(_("decision"), max_length=40)  # the discipline decision's reference
    by = acting_user()
    at = models.DateTimeField(_("cancelled"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        verbose_name = _("cancelled subject")
        verbose_name_plural = _("cancelled subjects")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "subject"],
                condition=Q(lifted_at__isnull=True),
                name="one_cancellation_in_force_per_subject",
            )
        ]

    def __str__(self):
        return f"{self.application_id} {self.subject}"
