"""Scores to results (issue 7, DOMAIN.md §9): four eyes, publication, changes after it, integrity tags."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from skilleval.results.models import Result, ReviewRequest, Score, ScoreChange, ScoreEvent
from skilleval.results.services import (
    Entry,
    answer_review,
    close_results,
    decide_change,
    enter_scores,
    publish_session,
    request_change,
    request_review,
    trustworthy,
    verify_scores,
)
from skilleval.scheduling.models import SeatAssignment

pytestmark = pytest.mark.django_db


def seats(session):
    return list(SeatAssignment.objects.filter(session=session).order_by("seat_number"))


def grid(session, *values):
    """Entries for the session's seats in seat order: a number as text, or None for absent."""
    return [
        Entry(s.pk, "" if v is None else v, v is None) for s, v in zip(seats(session), values, strict=True)
    ]


def mark_all(held, theory, practical, a, b, supervisor):
    _item, _applications, sessions = held
    enter_scores(sessions["theory"], grid(sessions["theory"], *theory), by=a)
    enter_scores(sessions["practical"], grid(sessions["practical"], *practical), by=a)
    verify_scores(sessions["theory"], by=b)
    verify_scores(sessions["practical"], by=b)
    publish_session(sessions["theory"], by=supervisor)
    return publish_session(sessions["practical"], by=supervisor)


def test_entered_verified_by_another_and_published_scores_make_results(
    held, examiner_a, examiner_b, supervisor_s
):
    _item, applications, sessions = held
    # 60 passes (the catalog's pass mark), 59.5 does not, absent fails (DOMAIN.md §9)
    published = mark_all(
        held, ["60", "88.5", "95"], ["72", "59.5", None], examiner_a, examiner_b, supervisor_s
    )
    assert published == 3
    outcome = {r.application_id: r.passed for r in Result.objects.all()}
    assert [outcome[a.pk] for a in applications] == [True, False, False]
    assert set(Application.objects.filter(pk__in=outcome).values_list("status", flat=True)) == {
        Status.PUBLISHED
    }
    first = Result.objects.get(application=applications[0])
    assert first.exam_date == date(2026, 11, 18) and first.valid_until == date(
        2028, 11, 18
    )  # level 4: 2 years
    assert first.notice_until == timezone.localdate() + timedelta(days=5)  # policy results.notice_period_days
    assert all(trustworthy(s) for s in Score.objects.all()) and trustworthy(first)
    history = list(
        Score.objects.get(seat=seats(sessions["theory"])[1]).events.values_list("action", flat=True)
    )
    assert history == ["enter", "verify", "publish"]
    for action, count in [
        ("results.score.enter", 6),
        ("results.score.verify", 6),
        ("results.score.publish", 6),
        ("results.result.publish", 3),
    ]:
        assert AuditEntry.objects.filter(action=action).count() == count
    assert Application.objects.get(pk=applications[1].pk).results_valid_until == date(2028, 11, 18)


def test_the_person_who_entered_does_not_verify_and_the_database_agrees(held, examiner_a, examiner_b):
    _item, _applications, sessions = held
    enter_scores(sessions["theory"], grid(sessions["theory"], "70", "80", "90"), by=examiner_a)
    with pytest.raises(DomainError) as caught:
        verify_scores(sessions["theory"], by=examiner_a)
    assert caught.value.code == "same_person"
    assert not Score.objects.exclude(state="entered").exists()
    score = Score.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(pk=score.pk).update(state="verified", verified_by=examiner_a)


def test_one_bad_row_saves_nothing_and_names_its_seat(held, examiner_a):
    _item, _applications, sessions = held
    for bad in ["101", "-1", "七十", "70.25"]:
        with pytest.raises(DomainError) as caught:
            enter_scores(sessions["theory"], grid(sessions["theory"], "70", bad, "90"), by=examiner_a)
        assert caught.value.code == "invalid" and "2" in caught.value.message
    assert not Score.objects.exists()


def test_a_candidate_marked_absent_at_the_door_is_entered_absent(held, examiner_a):
    _item, _applications, sessions = held
    SeatAssignment.objects.filter(pk=seats(sessions["theory"])[0].pk).update(present=False)
    with pytest.raises(DomainError):
        enter_scores(sessions["theory"], grid(sessions["theory"], "70", "80", "90"), by=examiner_a)
    assert (
        enter_scores(sessions["theory"], grid(sessions["theory"], None, "80", "90"), by=examiner_a)["entered"]
        == 3
    )


def test_corrections_before_verification_keep_their_history(held, examiner_a, examiner_b):
    _item, _applications, sessions = held
    enter_scores(sessions["theory"], grid(sessions["theory"], "70", "80", "90"), by=examiner_a)
    counts = enter_scores(sessions["theory"], grid(sessions["theory"], "70", "85", "90"), by=examiner_a)
    assert counts == {"entered": 0, "corrected": 1, "unchanged": 2}
    score = Score.objects.get(seat=seats(sessions["theory"])[1])
    assert [(e.action, str(e.value)) for e in score.events.all()] == [("enter", "80.0"), ("correct", "85.0")]
    verify_scores(sessions["theory"], by=examiner_b)
    with pytest.raises(DomainError) as caught:
        enter_scores(sessions["theory"], grid(sessions["theory"], "70", "86", "90"), by=examiner_a)
    assert caught.value.code == "verified"


def test_publishing_needs_every_score_verified(held, examiner_a, supervisor_s):
    _item, _applications, sessions = held
    enter_scores(sessions["theory"], grid(sessions["theory"], "70", "80", "90"), by=examiner_a)
    with pytest.raises(DomainError) as caught:
        publish_session(sessions["theory"], by=supervisor_s)
    assert caught.value.code == "not_verified" and not Result.objects.exists()


def test_a_change_after_publication_needs_a_second_supervisor(
    held, examiner_a, examiner_b, supervisor_s, supervisor_t
):
    _item, applications, sessions = held
    mark_all(held, ["70", "80", "90"], ["72", "55", "90"], examiner_a, examiner_b, supervisor_s)
    score = Score.objects.get(seat=seats(sessions["practical"])[1])
    assert not Result.objects.get(application=applications[1]).passed
    change = request_change(score, value="61", absent=False, reason="复核发现漏计一题", by=supervisor_s)
    with pytest.raises(DomainError) as caught:
        decide_change(change, approve=True, by=supervisor_s)
    assert caught.value.code == "same_person"
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreChange.objects.filter(pk=change.pk).update(decided_by=supervisor_s)
    decide_change(change, approve=True, by=supervisor_t, note="同意")
    score.refresh_from_db()
    assert str(score.value) == "61.0" and trustworthy(score)
    assert Result.objects.get(application=applications[1]).passed
    assert list(score.events.values_list("action", flat=True))[-1] == ScoreEvent.Action.CHANGE
    assert AuditEntry.objects.filter(action="results.score.change_approved").count() == 1


def test_a_row_edited_behind_the_applications_back_is_not_trusted(held, examiner_a, examiner_b, supervisor_s):
    mark_all(held, ["70", "80", "90"], ["72", "55", "90"], examiner_a, examiner_b, supervisor_s)
    Score.objects.filter(value="55").update(value="95")
    tampered = Score.objects.get(value="95", subject="practical")
    assert not trustworthy(tampered)
    Result.objects.filter(passed=False).update(passed=True)
    assert not all(trustworthy(r) for r in Result.objects.all())


def test_reviews_are_asked_in_the_notice_period_and_closing_waits_for_them(
    held, examiner_a, examiner_b, supervisor_s
):
    _item, applications, _sessions = held
    mark_all(held, ["70", "80", "90"], ["72", "55", "90"], examiner_a, examiner_b, supervisor_s)
    failed = Result.objects.get(application=applications[1])
    review = request_review(failed, subject="practical", reason="请复核操作技能", by=None)
    later = failed.notice_until + timedelta(days=1)
    assert close_results(by=None, on=later) == {
        "failed": 0,
        "passed": 2,
    }  # the open review holds the failed one
    answer_review(review, changed=False, answer="经复核，成绩无误。", by=supervisor_s)
    assert ReviewRequest.objects.get().state == "upheld"
    assert close_results(by=None, on=later) == {"failed": 1, "passed": 0}
    assert Application.objects.get(pk=applications[1].pk).status == Status.FAILED
    assert (
        Application.objects.get(pk=applications[0].pk).status == Status.PUBLISHED
    )  # waits for its certificate
    Result.objects.filter(pk=failed.pk).update(notice_until=timezone.localdate() - timedelta(days=1))
    failed.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        request_review(failed, subject="theory", reason="晚了", by=None)
    assert caught.value.code == "window_closed"


def test_the_daily_command_closes_results_after_the_notice_period(held, examiner_a, examiner_b, supervisor_s):
    import io

    from django.core.management import call_command

    mark_all(held, ["70", "80", "90"], ["72", "55", "90"], examiner_a, examiner_b, supervisor_s)
    Result.objects.update(notice_until=timezone.localdate() - timedelta(days=1))
    out = io.StringIO()
    call_command("close_results", stdout=out)
    assert "1 not passed, 2 passed" in out.getvalue()
    assert Application.objects.filter(status=Status.FAILED).count() == 1
    assert AuditEntry.objects.filter(action="results.result.close", channel="command").count() == 3
