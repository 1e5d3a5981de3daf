"""The life of an application (DOMAIN.md §4): each step a service with an event, an audit row, a notice."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from skilleval.applications.lifecycle import ALLOWED, Status
from skilleval.applications.models import Application, ApplicationEvent, Channel
from skilleval.applications.services import (
    accept_pledge,
    approve,
    reject,
    return_for_correction,
    start_application,
    submit_application,
    withdraw,
)
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError, IllegalTransition
from skilleval.notifications.models import Message
from skilleval.people.models import Ban
from tests.applications.conftest import make_candidate

pytestmark = pytest.mark.django_db


def submitted(person, item, by=None):
    application = start_application(person, item, channel=Channel.ONLINE, by=by)
    accept_pledge(application, by=by)
    return submit_application(application, by=by)


def test_an_online_application_goes_from_draft_to_approved(
    li_ming, programmer_l4, reviewer_rui, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = submitted(li_ming, programmer_l4)
    assert application.status == Status.SUBMITTED
    assert application.eligibility["eligible"] is True
    assert application.claimed_condition == "L4-1"
    assert len(application.number) == 10 and not set(application.number) & set("01OIL")

    with django_capture_on_commit_callbacks(execute=True):
        approve(application, reviewer=reviewer_rui)
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert application.fee_due_by == timezone.localdate() + timedelta(days=7)  # policy payment.deadline_days
    assert application.decided_by == reviewer_rui and "L4-1" in application.decision_reason

    steps = list(application.events.values_list("from_status", "to_status"))
    assert steps == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "approved"),
    ]
    actions = list(AuditEntry.objects.filter(target_id=str(application.pk)).values_list("action", flat=True))
    assert (
        "applications.application.approved" in actions and "applications.application.under_review" in actions
    )
    sms = Message.objects.filter(channel="sms", target_id=str(application.pk)).order_by("pk")
    assert sms.count() == 3  # submitted, under review, approved
    assert sms.last().address_masked == "139****5678" and "审核通过，待缴费" in sms.last().body
    assert sms.last().state == Message.State.SENT


def test_a_returned_application_is_corrected_and_resubmitted(li_ming, programmer_l4, reviewer_rui):
    application = submitted(li_ming, programmer_l4)
    return_for_correction(application, reviewer=reviewer_rui, reason="请补充工作证明")
    application.refresh_from_db()
    assert application.status == Status.RETURNED and application.decision_reason == "请补充工作证明"
    assert ApplicationEvent.objects.filter(
        application=application, to_status="returned", reason="请补充工作证明"
    ).exists()
    submit_application(application, by=None)
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED


def test_return_and_reject_need_a_reason(li_ming, programmer_l4, reviewer_rui):
    application = submitted(li_ming, programmer_l4)
    for decide in (return_for_correction, reject):
        with pytest.raises(DomainError) as caught:
            decide(application, reviewer=reviewer_rui, reason="  ")
        assert caught.value.code == "reason_required"
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED


def test_a_step_cannot_be_skipped(li_ming, programmer_l4, reviewer_rui):
    application = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    with pytest.raises(IllegalTransition):
        approve(application, reviewer=reviewer_rui)  # a draft cannot be approved
    rejected = submitted(make_candidate(name="王芳", id_number="310101198505124561"), programmer_l4)
    reject(rejected, reviewer=reviewer_rui, reason="材料不实")
    with pytest.raises(IllegalTransition):
        submit_application(rejected, by=None)
    assert Application.objects.get(pk=rejected.pk).status == Status.REJECTED


def test_every_status_has_its_steps_written_down():
    assert set(ALLOWED) == set(Status)
    assert all(target in Status.values for targets in ALLOWED.values() for target in targets)


def test_submission_needs_the_pledge_and_a_photo(li_ming, programmer_l4):
    application = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    with pytest.raises(DomainError) as caught:
        submit_application(application, by=None)
    assert caught.value.code == "pledge_required"
    accept_pledge(application, by=None)
    li_ming.photo_name = ""
    li_ming.save()
    application.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        submit_application(application, by=None)
    assert caught.value.code == "photo_required"


def test_one_open_application_per_person_and_item(li_ming, programmer_l4):
    start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    with pytest.raises(DomainError) as caught:
        start_application(li_ming, programmer_l4, channel=Channel.COUNTER, by=None)
    assert caught.value.code == "duplicate_open"
    # The database holds the rule even when the service is bypassed.
    first = Application.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            number="X2",
            person=li_ming,
            item=programmer_l4,
            occupation=first.occupation,
            level=4,
            channel="online",
        )


def test_after_withdrawal_a_new_application_may_start(li_ming, programmer_l4):
    first = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    withdraw(first, by=None, reason="改报三级")
    second = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    assert second.pk != first.pk


def test_a_banned_person_cannot_apply(li_ming, programmer_l4):
    Ban.objects.create(person=li_ming, until=timezone.localdate() + timedelta(days=30), reason="3.1")
    with pytest.raises(DomainError) as caught:
        start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    assert caught.value.code == "banned"
    assert not Application.objects.exists()


def test_a_new_regular_application_inside_validity_warns_then_records_the_forfeiture(li_ming, programmer_l4):
    earlier = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    Application.objects.filter(pk=earlier.pk).update(
        status=Status.FAILED, results_valid_until=timezone.localdate() + timedelta(days=200)
    )
    with pytest.raises(DomainError) as caught:
        start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    assert caught.value.code == "forfeit_confirmation_required"
    application = start_application(
        li_ming, programmer_l4, channel=Channel.ONLINE, by=None, forfeit_confirmed=True
    )
    assert application.forfeits_previous_results
    assert AuditEntry.objects.filter(
        action="applications.application.forfeit", target_id=str(application.pk)
    ).exists()


def test_a_group_application_needs_its_institution(li_ming, programmer_l4):
    with pytest.raises(DomainError):
        start_application(li_ming, programmer_l4, channel=Channel.GROUP, by=None)


def test_a_decision_costs_a_bounded_number_of_queries(
    li_ming, programmer_l4, reviewer_rui, django_assert_max_num_queries
):
    """Group steps repeat a move thousands of times: each stays a fixed, small set of queries (lock with its
    related rows, update, event, audit, notices), with no lookups growing per related object."""
    application = submitted(li_ming, programmer_l4)
    with django_assert_max_num_queries(30):  # two moves: submitted → under review → approved
        approve(application, reviewer=reviewer_rui)
