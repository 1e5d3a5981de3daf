from django.contrib import admin

from skilleval.audit.admin import AuditedModelAdmin, ReadOnlyModelAdmin
from skilleval.scheduling.models import (
    Cohort,
    ExamSession,
    MonthPlan,
    Room,
    SeatAssignment,
    StaffAssignment,
    Ticket,
    Venue,
)


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Venue)
class VenueAdmin(AuditedModelAdmin):
    list_display = ("name", "address")
    inlines = [RoomInline]


@admin.register(ExamSession)
class ExamSessionAdmin(AuditedModelAdmin):
    list_display = ("date", "starts_at", "item", "subject", "room", "seats", "state")
    list_filter = ("state", "subject", "date")


@admin.register(SeatAssignment)
class SeatAssignmentAdmin(admin.ModelAdmin):
    """Seats are assigned through scheduling.services.assign_seat (locks, lifecycle); read-only here."""

    list_display = ("session", "seat_number", "application", "assigned_at")
    readonly_fields = [f.name for f in SeatAssignment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyModelAdmin):
    """Rows the planning pages and services own (locks, lifecycle, numbering): visible here, not editable."""


@admin.register(MonthPlan)
class MonthPlanAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "state", "earliest", "deadline", "published_at")


@admin.register(Cohort)
class CohortAdmin(ReadOnlyAdmin):
    list_display = ("plan", "item", "ready", "waiting", "placed", "outcome", "problem")
    list_filter = ("outcome",)


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("session", "user", "assigned_at")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("number", "application", "issued_at", "generated_at")
    search_fields = ("number",)
    exclude = ("pdf_name", "pdf_fingerprint")
