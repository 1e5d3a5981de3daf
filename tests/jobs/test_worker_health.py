"""Worker health (issue 11 "Scale-out"): the heartbeat task and `manage.py check_worker` (exit 0 / 1)."""

import io
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from skilleval.jobs import tasks
from skilleval.jobs.management.commands import check_worker


def test_heartbeat_writes_the_time_into_the_cache():
    assert cache.get(tasks.HEARTBEAT_KEY) is None
    result = tasks.heartbeat.enqueue("abc")  # the immediate backend runs it inside enqueue
    value = cache.get(tasks.HEARTBEAT_KEY)
    assert value == result.return_value
    assert value.endswith(" abc") and value[:4].isdigit()


def test_check_worker_passes_when_a_worker_runs_the_heartbeat():
    out = io.StringIO()
    call_command("check_worker", "--timeout", "2", stdout=out)
    assert out.getvalue().startswith("worker OK")
    assert cache.get(tasks.HEARTBEAT_KEY)


@pytest.mark.django_db
def test_check_worker_fails_when_nobody_takes_the_job():
    # The database queue with no db_worker running: the job is stored and waits.
    cache.set(tasks.HEARTBEAT_KEY, "2026-01-01T00:00:00+08:00 old")  # an old heartbeat does not count
    err = io.StringIO()
    database_queue = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with pytest.raises(SystemExit) as exit_, override_settings(TASKS=database_queue):
        call_command("check_worker", "--timeout", "0.3", "--interval", "0.05", stderr=err)
    assert exit_.value.code == 1
    assert DBTaskResult.objects.filter(task_path="skilleval.jobs.tasks.heartbeat").count() == 1
    assert "no worker ran the heartbeat within 0.3 s" in err.getvalue()
    assert "2026-01-01T00:00:00+08:00 old" in err.getvalue()


def test_check_worker_fails_when_the_queue_is_unreachable(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("Redis is gone")

    monkeypatch.setattr(check_worker, "heartbeat", SimpleNamespace(enqueue=refuse))
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("check_worker", "--timeout", "1", stderr=err)
    assert exit_.value.code == 1
    assert "could not enqueue the heartbeat (ConnectionError: Redis is gone)" in err.getvalue()
