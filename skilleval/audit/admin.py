from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from skilleval.audit.models import AuditEntry
from skilleval.audit.services import record


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Rows a service owns (scores, seats, logs): shown in the admin, never added, edited or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin edits are state changes too: each save or delete writes an audit row in the same transaction
    (Django's admin views are atomic), so staff work in the admin leaves the same trail as a service."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = "change" if change else "add"
        record(
            request.user,
            f"{self._action_prefix()}.admin_{action}",
            obj,
            {"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        target = (f"{obj._meta.app_label}.{obj._meta.model_name}", obj.pk)
        label = str(obj)
        super().delete_model(request, obj)
        record(request.user, f"{self._action_prefix()}.admin_delete", target, {"object": label})

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            record(
                request.user,
                f"{self._action_prefix()}.admin_inline",
                form.instance,
                {"inline": formset.model._meta.model_name},
            )

    def _action_prefix(self) -> str:
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = (
        "at",
        "lane",
        "seq",
        "actor_label",
        "role",
        "action",
        "target_type",
        "target_id",
        "outcome",
        "client_ip",
    )
    list_filter = ("outcome", "channel", "action")
    search_fields = ("action", "actor_label", "target_id", "request_id")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    @admin.display(description=_("hash"))
    def short_hash(self, obj):
        return obj.hash[:12]
