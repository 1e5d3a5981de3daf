"""Retention of background-job records (policy `retention.jobs`). Here rather than in the jobs app, which
sits below privacy and may not import the purge mechanism.

A progress row names the job and who started it; the database queue (django-tasks-db) keeps each job's
arguments, return value and traceback, which can hold names, ID numbers of photo files and the like. Both
serve to watch and debug a job, not as a record: rows not touched within the period are deleted (the plan
or batch that pointed to a progress row keeps its data, and the pointer is cleared)."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from skilleval.jobs.models import JobProgress
from skilleval.privacy.retention import Purged, RowCategory


class JobRecords(RowCategory):
    name = "jobs.progress"
    policy = "retention.jobs"
    label = _("Progress records of background jobs")

    def expired(self, *, cutoff, now):
        return JobProgress.objects.filter(updated_at__lt=cutoff)

    def purge(self, keys, *, cutoff, now):
        _total, by_model = JobProgress.objects.filter(pk__in=keys).delete()
        return Purged(rows=by_model.get(JobProgress._meta.label, 0))


class TaskResults(RowCategory):
    """Finished jobs in the database queue; nothing when another backend runs the jobs."""

    name = "jobs.task_results"
    policy = "retention.jobs"
    label = _("Finished jobs in the database queue (arguments and results)")

    def expired(self, *, cutoff, now):
        if not apps.is_installed("django_tasks_db"):
            return JobProgress.objects.none()
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=cutoff
        )

    def purge(self, keys, *, cutoff, now):
        from django_tasks_db.models import DBTaskResult

        rows, _by_model = DBTaskResult.objects.filter(pk__in=keys).delete()
        return Purged(rows=rows)
