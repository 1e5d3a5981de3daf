"""Progress of a background job, so a page can show a progress bar whatever backend runs the job."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobProgress(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    task_id = models.CharField(_("task id"), max_length=64, unique=True)
    label = models.CharField(_("job"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("job progress")
        verbose_name_plural = _("job progress")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.label} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
