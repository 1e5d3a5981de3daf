from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from skilleval.audit.admin import ReadOnlyModelAdmin
from skilleval.privacy.models import PurgeRun


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyModelAdmin):
    """The log of retention purges: read only, written by the purge itself (manage.py purge_expired)."""

    list_display = ("started_at", "finished_at", "state", "channel", "started_by", "rows", "files")
    list_filter = ("state", "channel")
    readonly_fields = [f.name for f in PurgeRun._meta.fields]

    @admin.display(description=_("rows"))
    def rows(self, run):
        return run.rows

    @admin.display(description=_("files"))
    def files(self, run):
        return run.files
