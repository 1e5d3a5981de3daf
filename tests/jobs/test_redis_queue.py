"""Jobs scale out on Redis with RQ workers (issue 2 item 1): the same task, the same progress record."""

import os

import pytest
from django.test import override_settings

from skilleval.jobs.models import JobProgress
from skilleval.jobs.services import start_job
from skilleval.organization.models import EvaluationCycle
from skilleval.organization.tasks import prepare_years

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def test_a_job_enqueued_on_redis_is_run_by_an_rq_worker(notice_2026, admin_alice, monkeypatch):
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    redis_url = os.environ["REDIS_URL"]
    queues = {"default": {"URL": redis_url}}
    with override_settings(
        RQ_QUEUES=queues, TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    ):
        monkeypatch.setattr(django_rq.settings, "QUEUES", queues)
        queue = django_rq.get_queue("default", job_class=Job)
        queue.empty()
        progress = start_job(prepare_years, [2027], label="准备 2027 年", by=admin_alice)
        assert progress.state == JobProgress.State.QUEUED  # nothing ran yet: it waits in Redis
        assert queue.count == 1

        # A worker in this process (no fork) so it sees the test's database transaction.
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)

    progress.refresh_from_db()
    assert progress.state == JobProgress.State.DONE, progress.message
    assert EvaluationCycle.objects.filter(year=2027).count() == 12
