from django.contrib import admin

from skilleval.audit.admin import AuditedModelAdmin
from skilleval.workdays.models import CalendarDay, CalendarYear


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedModelAdmin):
    list_display = ("year", "source", "complete", "reference")
    inlines = [CalendarDayInline]
