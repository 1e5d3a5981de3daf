from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from skilleval.accounts.models import Institution, User
from skilleval.audit.admin import AuditedModelAdmin


@admin.register(Institution)
class InstitutionAdmin(AuditedModelAdmin):
    list_display = ("name", "uscc", "contact_name", "is_active")
    search_fields = ("name", "uscc")
    list_filter = ("is_active",)


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ("username", "email", "institution", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "groups", "institution")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Institution"), {"fields": ("institution", "must_change_password")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Nobody changes their own roles or permissions (SECURITY.md "Access").
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            readonly += ["groups", "user_permissions", "is_superuser", "is_staff"]
        return readonly
