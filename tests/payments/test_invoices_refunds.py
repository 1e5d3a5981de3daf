"""Invoices and refunds (issue 5): recorded against the request; refunds need a second person."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from skilleval.accounts.models import User
from skilleval.applications.models import Application
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from skilleval.payments.models import Refund
from skilleval.payments.services import (
    confirm_payment,
    decide_refund,
    open_payment,
    record_invoice,
    request_refund,
    submit_proof,
)
from skilleval.privacy.files import read_private
from tests.payments.test_payments import PDF, TODAY, approved

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(li_ming, programmer_l4, reviewer_rui, admin_alice):
    payment = open_payment(approved(li_ming, programmer_l4, reviewer_rui), by=None)
    submit_proof(payment, content=PDF, invoice_kind="personal", invoice_title="李明", by=None)
    return confirm_payment(payment, cashier=admin_alice, amount_received="350", received_on=TODAY)


@pytest.fixture
def second_cashier():
    return User.objects.create_user(username="cashier_sun", password="Sun-pass-2026!x")


def test_the_cashier_records_the_issued_invoice(confirmed, admin_alice):
    invoice = record_invoice(
        confirmed, number="No.04512345", issued_on=date(2026, 11, 25), amount="350", pdf=PDF, by=admin_alice
    )
    assert read_private(invoice.file_name, purpose="payments.invoice") == PDF
    assert AuditEntry.objects.filter(action="payments.invoice.record").exists()
    with pytest.raises(DomainError) as caught:
        record_invoice(confirmed, number="No.2", issued_on=TODAY, amount="1", pdf=PDF, by=admin_alice)
    assert caught.value.code == "amount"  # more than was received


@pytest.mark.parametrize(
    ("kwargs", "code"), [({"pdf": b"not a pdf"}, "format"), ({"number": " "}, "required")]
)
def test_a_bad_invoice_is_refused(confirmed, admin_alice, kwargs, code):
    values = {"number": "No.9", "issued_on": TODAY, "amount": "350", "pdf": PDF, **kwargs}
    with pytest.raises(DomainError) as caught:
        record_invoice(confirmed, by=admin_alice, **values)
    assert caught.value.code == code


def test_a_refund_is_asked_by_one_person_and_approved_by_another(confirmed, admin_alice, second_cashier):
    refund = request_refund(confirmed, amount="350", reason="考生因病无法参加，申请退费", by=admin_alice)
    with pytest.raises(DomainError) as caught:
        decide_refund(refund, approve=True, by=admin_alice)
    assert caught.value.code == "four_eyes"
    decide_refund(refund, approve=True, by=second_cashier)
    refund.refresh_from_db()
    assert refund.state == Refund.State.APPROVED and refund.decided_by == second_cashier
    assert AuditEntry.objects.filter(action="payments.refund.approved").exists()
    with pytest.raises(DomainError):
        request_refund(confirmed, amount="1", reason="再退", by=admin_alice)  # more than received


def test_the_database_refuses_a_refund_decided_by_its_requester(confirmed, admin_alice):
    refund = request_refund(confirmed, amount="100", reason="部分退费", by=admin_alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.filter(pk=refund.pk).update(decided_by=admin_alice, state="approved")


def test_no_refund_where_the_fees_are_forfeited(confirmed, admin_alice):
    Application.objects.update(fees_forfeited=True)  # discipline: tier 0, false materials
    with pytest.raises(DomainError) as caught:
        request_refund(confirmed, amount=Decimal("350"), reason="申请退费", by=admin_alice)
    assert caught.value.code == "forfeited"
    assert not Refund.objects.exists()


def test_the_payer_downloads_the_invoice_and_nobody_else_can(client, confirmed, admin_alice, li_ming):
    from tests.applications.conftest import make_candidate

    invoice = record_invoice(
        confirmed, number="No.77", issued_on=TODAY, amount="350", pdf=PDF, by=admin_alice
    )
    url = f"/payments/{confirmed.code}/invoices/{invoice.pk}/"
    li_ming.user = User.objects.create_user(username="liming", password="Li-ming-2026!")
    li_ming.save()
    client.force_login(li_ming.user)
    assert client.get(url, HTTP_HOST="127.0.0.1").content == PDF
    other = make_candidate(name="王芳", id_number="310101198505124561")
    other.user = User.objects.create_user(username="wangfang", password="Wang-fang-2026!")
    other.save()
    client.force_login(other.user)
    assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 404
    client.logout()
    assert client.get(url, HTTP_HOST="127.0.0.1").status_code == 302
