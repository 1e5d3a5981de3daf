from django.contrib import admin

from skilleval.notifications.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "address_masked", "topic", "subject", "state")
    list_filter = ("channel", "state", "topic")
    search_fields = ("subject", "topic")
    fields = (
        "channel",
        "address_masked",
        "topic",
        "subject",
        "body",
        "state",
        "error",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
