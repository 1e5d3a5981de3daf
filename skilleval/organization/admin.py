from django.contrib import admin

from skilleval.audit.admin import AuditedModelAdmin
from skilleval.organization.models import EvaluationCycle, Organization, PolicySetting


@admin.register(Organization)
class OrganizationAdmin(AuditedModelAdmin):
    list_display = ("name", "filing_number", "phone", "email")

    def has_add_permission(self, request):
        return not Organization.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PolicySetting)
class PolicySettingAdmin(AuditedModelAdmin):
    list_display = ("key", "value", "effective_from", "description")
    list_filter = ("key",)


@admin.register(EvaluationCycle)
class EvaluationCycleAdmin(AuditedModelAdmin):
    list_display = ("year", "month", "evaluate_by", "note")
    list_filter = ("year",)
