from django.contrib import admin

from skilleval.audit.admin import AuditedModelAdmin
from skilleval.people.models import Ban, CertificateHeld, EducationRecord, Person, TitleHeld, WorkRecord


class EducationInline(admin.TabularInline):
    model = EducationRecord
    extra = 0


class WorkInline(admin.TabularInline):
    model = WorkRecord
    extra = 0


class CertificateInline(admin.TabularInline):
    model = CertificateHeld
    extra = 0


class TitleInline(admin.TabularInline):
    model = TitleHeld
    extra = 0


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin):
    """Screens show masked numbers only (SECURITY.md); a full number is revealed through an audited act."""

    list_display = ("full_name", "id_type", "id_number_masked", "phone_masked", "created_at")
    search_fields = ("full_name",)
    fields = ("full_name", "id_type", "id_number_masked", "phone_masked", "email", "intends_to_work", "user")
    readonly_fields = ("id_type", "id_number_masked", "phone_masked")
    raw_id_fields = ("user",)
    inlines = [EducationInline, WorkInline, CertificateInline, TitleInline]

    def has_add_permission(self, request):
        return False  # registration validates and indexes the ID number: people/services.register_person


@admin.register(Ban)
class BanAdmin(AuditedModelAdmin):
    list_display = ("person", "until", "reason", "lifted_on")
    raw_id_fields = ("person",)
