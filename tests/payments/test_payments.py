"""Quotes, payments and their confirmation (DOMAIN.md §6; SECURITY.md "Concurrency and money")."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connections

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, ApplicationEvent, Channel
from skilleval.applications.services import accept_pledge, approve, start_application, submit_application
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from skilleval.notifications.models import Message
from skilleval.payments.models import Payment
from skilleval.payments.services import confirm_payment, open_group_payment, open_payment, quote
from tests.applications.conftest import make_candidate

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 24)


def approved(person, item, reviewer, **kwargs):
    application = start_application(person, item, by=None, **{"channel": Channel.ONLINE, **kwargs})
    accept_pledge(application, by=None)
    submit_application(application, by=None)
    return approve(application, reviewer=reviewer)


def test_a_first_attempt_pays_every_subject_and_a_make_up_only_the_retaken_ones(li_ming, programmer_l4):
    application = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    first = quote(application)
    assert [(line.subject, line.fee) for line in first.lines] == [
        ("theory", Decimal("100.00")),
        ("practical", Decimal("250.00")),
    ]
    assert first.total == Decimal("350.00")
    application.retake_subjects = ["practical"]
    assert quote(application).total == Decimal("250.00")


def test_an_approved_application_gets_one_payment_with_the_notices_remark(
    li_ming, programmer_l4, reviewer_rui
):
    application = approved(li_ming, programmer_l4, reviewer_rui)
    payment = open_payment(application, by=None)
    assert payment.amount_due == Decimal("350.00") and payment.state == Payment.State.AWAITING
    assert payment.reference == f"考核费+李明+计算机程序设计员（四级）+1人+{payment.code}"
    assert open_payment(application, by=None) == payment
    assert Payment.objects.count() == 1


def test_a_draft_has_no_fee_due(li_ming, programmer_l4):
    draft = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    with pytest.raises(DomainError):
        open_payment(draft, by=None)


def test_confirmation_marks_paid_once_and_a_second_confirmation_changes_nothing(
    li_ming, programmer_l4, reviewer_rui, admin_alice
):
    payment = open_payment(approved(li_ming, programmer_l4, reviewer_rui), by=None)
    confirm_payment(payment, cashier=admin_alice, amount_received="350", received_on=TODAY)
    confirm_payment(payment, cashier=admin_alice, amount_received="350", received_on=TODAY)
    payment.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED and payment.confirmed_by == admin_alice
    assert Application.objects.get().status == Status.PAID
    assert AuditEntry.objects.filter(action="payments.payment.confirm").count() == 1
    assert ApplicationEvent.objects.filter(to_status=Status.PAID).count() == 1


@pytest.mark.parametrize("received", ["300", "400.00"])
def test_a_partial_or_over_payment_is_flagged_not_accepted(
    li_ming, programmer_l4, reviewer_rui, admin_alice, received
):
    payment = open_payment(approved(li_ming, programmer_l4, reviewer_rui), by=None)
    confirm_payment(payment, cashier=admin_alice, amount_received=received, received_on=TODAY)
    payment.refresh_from_db()
    assert payment.state == Payment.State.MISMATCH and payment.amount_received == Decimal(received)
    assert Application.objects.get().status == Status.APPROVED
    assert AuditEntry.objects.filter(action="payments.payment.mismatch").exists()


def test_money_is_never_a_float(li_ming, programmer_l4, reviewer_rui, admin_alice):
    payment = open_payment(approved(li_ming, programmer_l4, reviewer_rui), by=None)
    with pytest.raises(TypeError):
        confirm_payment(payment, cashier=admin_alice, amount_received=350.0, received_on=TODAY)


def test_an_institution_pays_one_sum_for_its_group(school, programmer_l4, reviewer_rui, admin_alice):
    from skilleval.applications.models import GroupBatch

    batch = GroupBatch.objects.create(
        institution=school, uploaded_by=admin_alice, filename="g.xlsx", file_sha256="x" * 64, rows=2
    )
    people = [make_candidate(), make_candidate(name="王芳", id_number="310101198505124561")]
    for person in people:
        approved(person, programmer_l4, reviewer_rui, channel=Channel.GROUP, institution=school, batch=batch)
    payment = open_group_payment(batch, by=None)
    assert payment.amount_due == Decimal("700.00") and payment.lines.count() == 2
    assert payment.institution == school and "+2人+" in payment.reference
    with pytest.raises(DomainError):
        open_group_payment(batch, by=None)
    confirm_payment(payment, cashier=admin_alice, amount_received=Decimal("700"), received_on=TODAY)
    assert set(Application.objects.values_list("status", flat=True)) == {Status.PAID}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_five_cashiers_confirming_at_once_confirm_once(li_ming, programmer_l4, reviewer_rui, admin_alice):
    payment = open_payment(approved(li_ming, programmer_l4, reviewer_rui), by=None)
    barrier, errors = threading.Barrier(5), []

    def cashier():
        try:
            barrier.wait()
            confirm_payment(payment, cashier=admin_alice, amount_received="350.00", received_on=TODAY)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cashier) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Payment.objects.get().state == Payment.State.CONFIRMED
    assert AuditEntry.objects.filter(action="payments.payment.confirm").count() == 1
    assert ApplicationEvent.objects.filter(to_status=Status.PAID).count() == 1
    paid_notices = Message.objects.filter(topic="application.status", body__contains="已缴费")
    assert paid_notices.filter(channel="sms").count() == 1


def test_unpaid_applications_lapse_after_the_deadline_and_the_candidate_is_told(
    li_ming, programmer_l4, reviewer_rui, admin_alice, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from skilleval.payments.services import lapse_overdue

    unpaid = approved(li_ming, programmer_l4, reviewer_rui)
    payment = open_payment(unpaid, by=None)
    paid_person = make_candidate(name="王芳", id_number="310101198505124561")
    paid = approved(paid_person, programmer_l4, reviewer_rui)
    confirm_payment(
        open_payment(paid, by=None), cashier=admin_alice, amount_received="350", received_on=TODAY
    )

    assert lapse_overdue(today=unpaid.fee_due_by) == []  # the last day still counts
    with django_capture_on_commit_callbacks(execute=True):
        lapsed = lapse_overdue(today=unpaid.fee_due_by + timedelta(days=1))
    assert lapsed == [unpaid.number]
    assert Application.objects.get(pk=unpaid.pk).status == Status.LAPSED
    assert Application.objects.get(pk=paid.pk).status == Status.PAID
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.CANCELLED
    notice = Message.objects.filter(channel="sms", target_id=str(unpaid.pk)).order_by("pk").last()
    assert "逾期" in notice.body and str(unpaid.fee_due_by) in notice.body


PDF = b"%PDF-1.4\n%%EOF\n"


def test_the_payer_uploads_proof_and_invoice_details(li_ming, programmer_l4, reviewer_rui):
    from skilleval.payments.services import submit_proof
    from skilleval.privacy.files import read_private

    payment = open_payment(approved(li_ming, programmer_l4, reviewer_rui), by=None)
    submit_proof(
        payment,
        content=PDF,
        invoice_kind="organization",
        invoice_title="上海某某科技有限公司",
        invoice_taxpayer_id="9131010642502952x1",
        invoice_email="finance@example.com",
        by=None,
    )
    payment.refresh_from_db()
    assert payment.state == Payment.State.PROOF and payment.invoice_taxpayer_id == "9131010642502952X1"
    assert read_private(payment.proof_name, purpose="payments.proof") == PDF
    assert AuditEntry.objects.filter(action="payments.payment.proof").exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"content": b"MZ executable"}, "proof"),
        ({"invoice_taxpayer_id": "9131010642502952X2"}, "invoice_taxpayer_id"),
        ({"invoice_title": "  "}, "invoice_title"),
        ({"invoice_kind": "friend"}, "invoice_kind"),
    ],
)
def test_bad_proof_or_invoice_details_are_refused_on_their_field(
    li_ming, programmer_l4, reviewer_rui, kwargs, field
):
    from skilleval.payments.services import submit_proof

    payment = open_payment(approved(li_ming, programmer_l4, reviewer_rui), by=None)
    values = {
        "content": PDF,
        "invoice_kind": "organization",
        "invoice_title": "某公司",
        "invoice_taxpayer_id": "9131010642502952X1",
        **kwargs,
    }
    with pytest.raises(DomainError) as caught:
        submit_proof(payment, by=None, **values)
    assert caught.value.field == field
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.AWAITING


def test_a_cashier_refuses_unclear_proof_with_a_reason_and_the_payer_sends_another(
    li_ming, programmer_l4, reviewer_rui, admin_alice
):
    from skilleval.payments.services import refuse_proof, submit_proof

    payment = open_payment(approved(li_ming, programmer_l4, reviewer_rui), by=None)
    submit_proof(payment, content=PDF, invoice_kind="personal", invoice_title="李明", by=None)
    with pytest.raises(DomainError):
        refuse_proof(payment, cashier=admin_alice, reason="")
    refuse_proof(payment, cashier=admin_alice, reason="凭证看不清金额")
    assert Payment.objects.get(pk=payment.pk).note == "凭证看不清金额"
    submit_proof(payment, content=PDF, invoice_kind="personal", invoice_title="李明", by=None)
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PROOF


def test_a_group_student_does_not_pay_alone(li_ming, programmer_l4, reviewer_rui, school):
    application = approved(li_ming, programmer_l4, reviewer_rui, channel=Channel.GROUP, institution=school)
    with pytest.raises(DomainError) as caught:
        open_payment(application, by=None)
    assert caught.value.code == "group_pays" and not Payment.objects.exists()
