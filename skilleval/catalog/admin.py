from django.contrib import admin

from skilleval.audit.admin import AuditedModelAdmin
from skilleval.catalog.models import (
    CatalogItem,
    ItemSubject,
    Notice,
    Occupation,
    RelatedMajor,
    RelatedOccupation,
    WorkType,
)


class WorkTypeInline(admin.TabularInline):
    model = WorkType
    extra = 0


class RelatedOccupationInline(admin.TabularInline):
    model = RelatedOccupation
    extra = 0


class RelatedMajorInline(admin.TabularInline):
    model = RelatedMajor
    extra = 0


@admin.register(Occupation)
class OccupationAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "min_education", "marking_or_workpiece")
    search_fields = ("code", "name")
    inlines = [WorkTypeInline, RelatedOccupationInline, RelatedMajorInline]


class ItemSubjectInline(admin.TabularInline):
    model = ItemSubject
    extra = 0


@admin.register(CatalogItem)
class CatalogItemAdmin(AuditedModelAdmin):
    list_display = ("__str__", "notice", "level", "effective_from", "retired_on", "total_fee")
    list_filter = ("notice", "level", "occupation")
    inlines = [ItemSubjectInline]

    def has_delete_permission(self, request, obj=None):
        return False  # retire instead: applications keep pointing at the item and its fees


@admin.register(Notice)
class NoticeAdmin(AuditedModelAdmin):
    list_display = ("title", "year", "effective_from")

    def has_delete_permission(self, request, obj=None):
        return False
