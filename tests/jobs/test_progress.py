"""A background job records its progress so a page can show a progress bar (issue 2 item 1)."""

import pytest

from skilleval.jobs.models import JobProgress
from skilleval.jobs.services import start_job
from skilleval.organization.models import EvaluationCycle
from skilleval.organization.tasks import prepare_years
from skilleval.workdays.models import CalendarYear

pytestmark = pytest.mark.django_db


def test_a_job_runs_reports_progress_and_finishes(notice_2026, admin_alice, client):
    progress = start_job(prepare_years, [2026], label="准备年度日历", by=admin_alice)
    progress.refresh_from_db()
    assert progress.state == JobProgress.State.DONE
    assert (progress.done, progress.total, progress.percent) == (2, 2, 100)
    assert progress.started_by == admin_alice
    assert CalendarYear.objects.filter(year=2026).exists()
    assert EvaluationCycle.objects.filter(year=2026).count() == 12

    client.force_login(admin_alice)
    page = client.get(f"/jobs/{progress.pk}/", HTTP_HOST="127.0.0.1")
    assert page.status_code == 200
    assert b'<progress max="100" value="100">' in page.content
    as_json = client.get(
        f"/jobs/{progress.pk}/", HTTP_HOST="127.0.0.1", HTTP_ACCEPT="application/json"
    ).json()
    assert as_json["state"] == "done" and as_json["percent"] == 100


def test_progress_is_for_staff_only(notice_2026, admin_alice, client):
    progress = start_job(prepare_years, [2026], label="x", by=admin_alice)
    response = client.get(f"/jobs/{progress.pk}/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_failing_job_is_marked_failed(admin_alice):
    # Cycles for a year with no cycle rule in force: the service refuses, and the bar says failed.
    progress = start_job(prepare_years, [2026], label="x", by=admin_alice)
    progress.refresh_from_db()
    assert progress.state == JobProgress.State.FAILED
    assert "cycle.rule" in progress.message
