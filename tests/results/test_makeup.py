"""Make-up (issue 7, DOMAIN.md §10): the ledger, a make-up for the failed subjects only with its fee, and
the refusals: after validity, from the competition, forfeited by a new regular application."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Kind
from skilleval.applications.services import (
    accept_pledge,
    approve,
    mark_paid,
    start_application,
    submit_application,
)
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from skilleval.payments.services import quote
from skilleval.results.makeup import ledger, start_makeup
from skilleval.results.models import Result
from skilleval.results.services import (
    Entry,
    close_results,
    enter_scores,
    publish_session,
    result_tag,
    verify_scores,
)
from skilleval.scheduling.models import SeatAssignment
from tests.results.conftest import exam_day

pytestmark = pytest.mark.django_db


def mark(sessions, values, a, b, supervisor):
    for kind, marks in values.items():
        session = sessions[kind]
        seats = SeatAssignment.objects.filter(session=session).order_by("seat_number")
        enter_scores(
            session, [Entry(s.pk, v or "", v is None) for s, v in zip(seats, marks, strict=True)], by=a
        )
        verify_scores(session, by=b)
        publish_session(session, by=supervisor)


@pytest.fixture
def failed_practical(held, examiner_a, examiner_b, supervisor_s):
    """The first candidate passed theory (78) and failed the practical (52); results closed."""
    item, applications, sessions = held
    mark(
        sessions,
        {"theory": ["78", "90", "90"], "practical": ["52", "90", "90"]},
        examiner_a,
        examiner_b,
        supervisor_s,
    )
    close_results(by=None, on=timezone.localdate() + timedelta(days=30))
    application = Application.objects.get(pk=applications[0].pk)
    assert application.status == Status.FAILED
    return item, application


def test_the_ledger_keeps_the_passed_subject_until_two_years_after_the_exam(failed_practical):
    item, application = failed_practical
    book = ledger(application.person, item)
    assert [(line.subject, line.passed, str(line.score)) for line in book.lines] == [
        ("theory", True, "78.0"),
        ("practical", False, "52.0"),
    ]
    assert book.valid_until == date(2028, 11, 18) and book.can_make_up and book.to_retake == ["practical"]


def test_a_make_up_retakes_the_failed_subject_only_and_pays_for_it_only(
    failed_practical, reviewer_rui, admin_alice
):
    item, application = failed_practical
    makeup = start_makeup(application.person, item, channel="online", by=None)
    assert (makeup.kind, makeup.retake_subjects, makeup.results_valid_until) == (
        Kind.MAKEUP,
        ["practical"],
        date(2028, 11, 18),
    )
    practical_fee = item.subjects.get(kind="practical").fee
    assert quote(makeup).total == practical_fee
    assert AuditEntry.objects.filter(action="results.makeup.start").count() == 1
    with pytest.raises(DomainError) as caught:  # one at a time
        start_makeup(application.person, item, channel="online", by=None)
    assert caught.value.code in ("open", "duplicate_open")


def test_the_make_up_result_counts_validity_from_the_original_attempt(
    failed_practical, reviewer_rui, admin_alice, examiner_a, examiner_b, supervisor_s
):
    item, application = failed_practical
    makeup = start_makeup(application.person, item, channel="online", by=None)
    accept_pledge(makeup, by=None)
    submit_application(makeup, by=None)
    approve(makeup, reviewer=reviewer_rui)
    makeup = mark_paid(makeup, by=None)
    sessions = exam_day(item, [makeup], day=date(2026, 11, 23), by=admin_alice, name="复考考点")
    assert list(
        SeatAssignment.objects.filter(application=makeup).values_list("session__subject", flat=True)
    ) == ["practical"]
    mark({"practical": sessions["practical"]}, {"practical": ["66"]}, examiner_a, examiner_b, supervisor_s)
    result = Result.objects.get(application=makeup)
    assert result.passed and result.exam_date == date(2026, 11, 23)
    assert result.original_exam_date == date(2026, 11, 18) and result.valid_until == date(2028, 11, 18)


def test_no_make_up_after_validity(failed_practical):
    item, application = failed_practical
    result = Result.objects.get(application=application)
    result.valid_until = timezone.localdate() - timedelta(days=1)
    result.tag = result_tag(result)  # as if it had been published so: the tag covers valid_until
    result.save()
    with pytest.raises(DomainError) as caught:
        start_makeup(application.person, item, channel="online", by=None)
    assert caught.value.code == "expired"


def test_no_make_up_of_a_competition_attempt(failed_practical):
    item, application = failed_practical
    Application.objects.filter(pk=application.pk).update(source="competition")
    book = ledger(application.person, item)
    assert not book.can_make_up and book.refusal_code == "competition"


def test_a_new_regular_application_forfeits_the_make_up(failed_practical):
    item, application = failed_practical
    with pytest.raises(DomainError) as caught:  # the warning first (DOMAIN.md §4)
        start_application(application.person, item, channel="online", by=None)
    assert caught.value.code == "forfeit_confirmation_required"
    regular = start_application(application.person, item, channel="online", by=None, forfeit_confirmed=True)
    assert regular.forfeits_previous_results
    book = ledger(application.person, item)
    assert not book.can_make_up and book.refusal_code == "forfeited"


def test_nothing_to_make_up_when_everything_passed(held, examiner_a, examiner_b, supervisor_s):
    item, applications, sessions = held
    mark(
        sessions,
        {"theory": ["78", "90", "90"], "practical": ["52", "90", "90"]},
        examiner_a,
        examiner_b,
        supervisor_s,
    )
    book = ledger(applications[1].person, item)
    assert not book.can_make_up and book.refusal_code == "all_passed"


def test_after_a_change_of_assessment_mode_only_the_published_mapping_carries_a_passed_subject(
    failed_practical,
):
    from decimal import Decimal

    from skilleval.catalog.models import CatalogItem, ItemSubject, Notice
    from skilleval.results.models import SubjectMapping

    item, application = failed_practical
    notice = Notice.objects.create(year=2027, title="2027 年通知", effective_from=date(2027, 1, 1))
    new = CatalogItem.objects.create(
        notice=notice,
        occupation=item.occupation,
        work_type=item.work_type,
        level=item.level,
        effective_from=date(2027, 1, 1),
    )
    for kind, fee in (("theory", "100"), ("practical", "280")):
        ItemSubject.objects.create(
            item=new,
            kind=kind,
            fee=Decimal(fee),
            pass_mark=Decimal("60"),
            candidates_per_staff=15,
            min_staff=2,
        )
    assert ledger(application.person, new).to_retake == ["theory", "practical"]  # nothing published yet
    SubjectMapping.objects.create(
        old_item=item, old_subject="theory", new_item=new, new_subject="theory", reference="2027 年补考方案"
    )
    book = ledger(application.person, new)
    assert book.to_retake == ["practical"] and book.lines[0].passed and book.can_make_up
    makeup = start_makeup(application.person, new, channel="online", by=None)
    assert makeup.item == new and quote(makeup).total == Decimal("280.00")
