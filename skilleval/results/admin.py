from django.contrib import admin

from skilleval.audit.admin import AuditedModelAdmin, ReadOnlyModelAdmin
from skilleval.results.models import Result, ReviewRequest, Score, ScoreChange, ScoreEvent, SubjectMapping


class ReadOnlyAdmin(ReadOnlyModelAdmin):
    """Scores and results change only through the four-eyes services; here they are read."""


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("seat", "subject", "value", "absent", "cancelled", "state")
    list_filter = ("state", "subject")


@admin.register(ScoreEvent)
class ScoreEventAdmin(ReadOnlyAdmin):
    list_display = ("score", "action", "value", "absent", "by", "at")


@admin.register(ScoreChange)
class ScoreChangeAdmin(ReadOnlyAdmin):
    list_display = ("score", "value", "absent", "state", "requested_at", "decided_at")


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ("application", "passed", "exam_date", "notice_until", "valid_until", "closed_at")
    exclude = ("tag",)


@admin.register(ReviewRequest)
class ReviewRequestAdmin(ReadOnlyAdmin):
    list_display = ("result", "subject", "state", "requested_at", "answered_at")


@admin.register(SubjectMapping)
class SubjectMappingAdmin(AuditedModelAdmin):
    """The published make-up plan after a change of assessment mode is entered here."""

    list_display = ("old_item", "old_subject", "new_item", "new_subject", "reference")
