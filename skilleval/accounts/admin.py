from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from skilleval.accounts.models import Institution, User
from skilleval.accounts.roles import EXCLUSIVE_ADMIN_ROLES
from skilleval.accounts.services import end_sessions, reset_second_factor
from skilleval.audit.admin import AuditedModelAdmin
from skilleval.core.errors import DomainError


@admin.register(Institution)
class InstitutionAdmin(AuditedModelAdmin):
    list_display = ("name", "uscc", "contact_name", "is_active")
    search_fields = ("name", "uscc")
    list_filter = ("is_active",)


class UserForm(UserChangeForm):
    def clean_groups(self):
        groups = self.cleaned_data.get("groups")
        if groups is not None:
            admin_roles = {g.name for g in groups} & EXCLUSIVE_ADMIN_ROLES
            if len(admin_roles) > 1:
                raise forms.ValidationError(
                    _("System, security and audit administration must be held by different people.")
                )
        return groups


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    form = UserForm
    list_display = ("username", "email", "institution", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "groups", "institution")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Institution"), {"fields": ("institution", "must_change_password")}),
    )
    actions = ["reset_second_factor_action"]

    def get_readonly_fields(self, request, obj=None):
        # Nobody changes their own roles or permissions (SECURITY.md "Access").
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            readonly += ["groups", "user_permissions", "is_superuser", "is_staff", "is_active"]
        return readonly

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            end_sessions(obj, by=request.user, reason="deactivated")  # signed out now, not at expiry

    @admin.action(description=_("Reset the second factor (lost phone)"))
    def reset_second_factor_action(self, request, queryset):
        for user in queryset:
            try:
                reset_second_factor(user, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{user}: {exc.message}", messages.ERROR)
