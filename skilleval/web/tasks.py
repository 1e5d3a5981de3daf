"""The retention purge as a background job, for a worker's schedule or a start from a page."""

from django.contrib.auth import get_user_model
from django_tasks import task

from skilleval.core.context import acting_as
from skilleval.jobs.services import Progress
from skilleval.web.retention import categories, purge_expired


@task(takes_context=True)
def purge_expired_job(context, user_id: int | None = None) -> dict:
    """Purge what expired in every category; the progress bar moves one step per category."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with (
        Progress(context, total=len(categories()), label="retention purge") as progress,
        acting_as(channel="job", user_id=user_id),
    ):
        run = purge_expired(by=user, on_category=lambda category: progress.advance(message=category.name))
    return {"run": run.pk, "counts": run.counts}
