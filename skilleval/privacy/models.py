"""What the retention purge did (SECURITY.md "Personal data": a purge job anonymises what expired and logs
what it did). One row per run, for staff to read; the audit trail has one entry per run as well."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PurgeRun(models.Model):
    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    channel = models.CharField(_("run by"), max_length=16, help_text=_("command, job or web"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {category: {"policy": key, "period": {"years": 1}, "cutoff": iso datetime}}
    cutoffs = models.JSONField(_("cutoffs used"), default=dict, blank=True)
    # {category: {"rows": n, "files": m}}
    counts = models.JSONField(_("rows and files purged"), default=dict, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("retention purge")
        verbose_name_plural = _("retention purges")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_state_display()}"

    @property
    def rows(self) -> int:
        return sum(c.get("rows", 0) for c in self.counts.values())

    @property
    def files(self) -> int:
        return sum(c.get("files", 0) for c in self.counts.values())
