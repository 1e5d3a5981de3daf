"""Applications (申报) and what travels with them: status history, evidence, group batches (DOMAIN.md §4).

Only services change a status (lifecycle.ALLOWED says which steps exist); the database holds the invariant
that one person has at most one open application per catalog key (occupation, work type, level).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skilleval.accounts.fields import acting_user
from skilleval.applications.lifecycle import OPEN, Status

# Human-facing codes avoid look-alike characters (0/O, 1/I/L).
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# The version of the candidate notice (附件 2) whose pledge the candidate accepts.
PLEDGE_VERSION = "附件2-2026"


class Channel(models.TextChoices):
    ONLINE = "online", _("Online (individual)")
    COUNTER = "counter", _("At the counter (individual)")
    GROUP = "group", _("Group (institution)")


class Kind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    MAKEUP = "makeup", _("Make-up")


class Source(models.TextChoices):
    REGULAR = "regular", _("Regular evaluation")
    COMPETITION = "competition", _("Municipal skills competition")


class GroupBatch(models.Model):
    """One uploaded file of an institution's students: the same file twice makes one batch."""

    class State(models.TextChoices):
        CREATED = "created", _("Uploaded")
        PRE_REVIEWED = "pre_reviewed", _("Pre-reviewed")
        SUBMITTED = "submitted", _("Submitted")

    institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="batches")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.CREATED)
    pre_review_note = models.CharField(_("preliminary review note"), max_length=300, blank=True)
    photo_job = models.ForeignKey(
        "jobs.JobProgress", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    photo_report = models.JSONField(_("photo upload report"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("group batch")
        verbose_name_plural = _("group batches")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "file_sha256"], name="batch_file_once_per_institution"
            )
        ]

    def __str__(self):
        return f"{self.institution} · {self.filename}"


class Application(models.Model):
    number = models.CharField(_("application number"), max_length=12, unique=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="applications")
    item = models.ForeignKey("catalog.CatalogItem", on_delete=models.PROTECT, related_name="applications")
    # The catalog key, copied from the item so the database can hold the one-open-application rule across
    # notices (a new notice makes new item rows for the same key).
    # Searched only through the unique constraints below (person first): no index of their own.
    occupation = models.ForeignKey(
        "catalog.Occupation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    work_type = models.ForeignKey(
        "catalog.WorkType", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    level = models.PositiveSmallIntegerField(_("level"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.REGULAR)
    institution = models.ForeignKey(
        "accounts.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    batch = models.ForeignKey(
        GroupBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)

    claimed_condition = models.CharField(_("condition claimed"), max_length=8, blank=True)
    eligibility = models.JSONField(_("eligibility at submission"), default=dict, blank=True)
    pledge_version = models.CharField(_("pledge version"), max_length=40, blank=True)
    pledge_accepted_at = models.DateTimeField(_("pledge accepted"), null=True, blank=True)
    data_confirmed_at = models.DateTimeField(_("data confirmed by the candidate"), null=True, blank=True)
    form_signed_at = models.DateTimeField(_("signed form received"), null=True, blank=True)
    forfeits_previous_results = models.BooleanField(_("forfeits earlier results"), default=False)

    notice_signed_checked = models.BooleanField(_("signed candidate notice checked"), default=False)
    photo_checked = models.BooleanField(_("photo checked"), default=False)
    originals_checked = models.BooleanField(_("originals checked"), default=False)
    checked_by = acting_user()

    pre_reviewed_by = acting_user()
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = acting_user()
    decision_reason = models.TextField(_("reviewer's reason"), blank=True)
    fee_due_by = models.DateField(_("fee due by"), null=True, blank=True)
    results_valid_until = models.DateField(_("results valid until"), null=True, blank=True)
    # A make-up retakes only these subjects (SubjectKind values); empty means every subject of the item.
    retake_subjects = models.JSONField(_("subjects retaken"), default=list, blank=True)
    # Tier 0 of 附件 2 (false materials, conditions not met): fees are not returned. Set by discipline.
    fees_forfeited = models.BooleanField(_("fees forfeited"), default=False)

    created_by = acting_user()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "item"]), models.Index(fields=["institution", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "occupation", "work_type", "level"],
                condition=Q(status__in=sorted(OPEN)) & Q(work_type__isnull=False),
                name="one_open_application_per_key_with_work_type",
            ),
            models.UniqueConstraint(
                fields=["person", "occupation", "level"],
                condition=Q(status__in=sorted(OPEN)) & Q(work_type__isnull=True),
                name="one_open_application_per_key",
            ),
            models.CheckConstraint(
                condition=~Q(channel="group") | Q(institution__isnull=False),
                name="group_application_has_institution",
            ),
        ]

    def __str__(self):
        return self.number


class ApplicationEvent(models.Model):
    """Every status change, with who and why: what the candidate's status page shows."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.application} {self.from_status}→{self.to_status}"


class Evidence(models.Model):
    """A supporting document for the condition claimed; encrypted at rest (privacy.files)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="evidence")
    description = models.CharField(_("what it shows"), max_length=200)
    file_name = models.CharField(max_length=64, editable=False)
    original_name = models.CharField(_("file"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.description


class ConfirmationCode(models.Model):
    """A one-time code sent to a student an institution uploaded, to confirm their own data (PIPL art. 23).

    Only a hash is kept; a code expires and allows a few tries, so it cannot be guessed."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="confirmation_codes")
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("confirmation code")
        verbose_name_plural = _("confirmation codes")

    def __str__(self):
        return f"{self.application} · {self.sent_at:%Y-%m-%d}"
