"""Candidates with published, closed results: what certificates are issued from."""

from datetime import timedelta

import pytest
from django.utils import timezone

from skilleval.applications.models import Application
from skilleval.results.services import Entry, close_results, enter_scores, publish_session, verify_scores
from skilleval.scheduling.models import SeatAssignment
from tests.applications.conftest import li_ming, programmer_l4, reviewer_rui, school, school_user  # noqa: F401
from tests.results.conftest import (  # noqa: F401
    calendar,
    examiner_a,
    examiner_b,
    held,
    supervisor_s,
    supervisor_t,
)


@pytest.fixture
def passed(held, examiner_a, examiner_b, supervisor_s):  # noqa: F811 - the fixtures imported above
    """Of three candidates, the first two passed; the notice period is over and results closed."""
    item, applications, sessions = held
    marks = {"theory": ["78", "90", "40"], "practical": ["66", "85", "90"]}
    for kind, values in marks.items():
        seats = SeatAssignment.objects.filter(session=sessions[kind]).order_by("seat_number")
        enter_scores(
            sessions[kind], [Entry(s.pk, v, False) for s, v in zip(seats, values, strict=True)], by=examiner_a
        )
        verify_scores(sessions[kind], by=examiner_b)
        publish_session(sessions[kind], by=supervisor_s)
    close_results(by=None, on=timezone.localdate() + timedelta(days=30))
    return item, [Application.objects.get(pk=a.pk) for a in applications]
