from django.contrib import admin

from skilleval.jobs.models import JobProgress


@admin.register(JobProgress)
class JobProgressAdmin(admin.ModelAdmin):
    list_display = ("label", "state", "done", "total", "updated_at")
    readonly_fields = [f.name for f in JobProgress._meta.fields]

    def has_add_permission(self, request):
        return False
