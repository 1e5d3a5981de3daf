from django.contrib import admin

from skilleval.audit.admin import AuditedModelAdmin
from skilleval.scheduling.models import ExamSession, Room, SeatAssignment, Venue


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
