"""Start a job with a progress record, and let the job report how far it is.

Jobs take ids, never objects (STYLE.md 6), and are enqueued after the surrounding transaction commits, so a
worker never looks for a row that is not there yet.
"""

from django.utils.translation import gettext as _

from skilleval.core.errors import DomainError
from skilleval.jobs.models import JobProgress


def start_job(task, *args, label: str, by=None, **kwargs) -> JobProgress:
    """Enqueue `task` (a django-tasks Task declared with `takes_context=True`) and return its progress row.

    Call it once the data the job reads is committed (from a view, or in `transaction.on_commit`).
    """
    result = task.enqueue(*args, **kwargs)
    # The worker may have created the row already (the immediate backend runs the task inside enqueue).
    progress, _created = JobProgress.objects.get_or_create(
        task_id=result.id, defaults={"label": label, "started_by": by}
    )
    if progress.started_by_id is None and by is not None:
        JobProgress.objects.filter(pk=progress.pk).update(started_by=by)
    return progress


class Progress:
    """Used inside a task: `with Progress(context, total=n, label=...) as progress: progress.advance()`.

    Leaving the block finishes the bar, or marks it failed with a message people can read (a rule's own
    message; otherwise only the kind of error, since an exception text may hold personal data). Writes are
    throttled to about one per percent, so a job over 100,000 rows costs ~100 updates.
    """

    def __init__(self, context, *, total: int, label: str):
        self.task_id = context.task_result.id
        self.total = total
        self.done = 0
        self._step = max(1, total // 100)
        self._next_write = self._step
        JobProgress.objects.update_or_create(
            task_id=self.task_id,
            defaults={"label": label, "total": total, "done": 0, "state": JobProgress.State.RUNNING},
        )

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.finish()
        elif isinstance(exc, DomainError | LookupError):
            self.fail(str(exc))
        else:
            self.fail(_("Failed: %s") % exc_type.__name__)

    def advance(self, n: int = 1, *, message: str = "") -> None:
        self.done += n
        if self.done >= self._next_write or message:
            self._next_write = self.done + self._step
            JobProgress.objects.filter(task_id=self.task_id).update(done=self.done, message=message[:300])

    def finish(self, message: str = "") -> None:
        JobProgress.objects.filter(task_id=self.task_id).exclude(state=JobProgress.State.DONE).update(
            done=self.total, state=JobProgress.State.DONE, message=message[:300] or _("Finished")
        )

    def fail(self, message: str) -> None:
        JobProgress.objects.filter(task_id=self.task_id).update(
            state=JobProgress.State.FAILED, message=message[:300]
        )
