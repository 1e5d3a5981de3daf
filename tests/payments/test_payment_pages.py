"""Paying through the pages (issue 5): the payer's page and the cashier's workspace."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.payments.models import Payment
from tests.applications.conftest import make_candidate
from tests.payments.test_payments import PDF, approved

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


@pytest.fixture
def li_signed_in(client, li_ming, programmer_l4, reviewer_rui):
    li_ming.user = User.objects.create_user(username="liming", password="Li-ming-2026!")
    li_ming.save()
    client.force_login(li_ming.user)
    return approved(li_ming, programmer_l4, reviewer_rui)


@pytest.fixture
def cashier(admin_alice):
    user = User.objects.create_user(username="cashier_qian", password="Qian-pass-2026!")
    grant_role(user, Role.CASHIER, by=admin_alice)
    return user


def test_the_candidate_sees_what_to_pay_and_sends_proof_then_the_cashier_confirms(
    client, li_signed_in, cashier
):
    number = li_signed_in.number
    page = client.get(f"/me/applications/{number}/pay/", **HOST).content.decode()
    payment = Payment.objects.get()
    assert "350.00" in page and "31001508300056003187" in page and payment.reference in page
    assert li_signed_in.fee_due_by.isoformat() in page  # the deadline (policy payment.deadline_days)
    assert "理论知识、操作技能" in page
    client.post(
        f"/me/applications/{number}/pay/",
        {"proof": SimpleUploadedFile("转账.pdf", PDF), "invoice_kind": "personal", "invoice_title": "李明"},
        **HOST,
    )
    assert Payment.objects.get().state == Payment.State.PROOF

    client.force_login(cashier)
    assert payment.code in client.get("/cashier/", **HOST).content.decode()
    assert client.get(f"/cashier/{payment.code}/proof/", **HOST).content == PDF
    client.post(
        f"/cashier/{payment.code}/",
        {"action": "confirm", "amount": "350.00", "received_on": "2026-11-24"},
        **HOST,
    )
    assert Payment.objects.get().state == Payment.State.CONFIRMED
    assert Application.objects.get().status == Status.PAID


def test_another_candidate_cannot_open_the_payment(client, li_signed_in):
    other = make_candidate(name="王芳", id_number="310101198505124561")
    other.user = User.objects.create_user(username="wangfang", password="Wang-fang-2026!")
    other.save()
    client.force_login(other.user)
    assert client.get(f"/me/applications/{li_signed_in.number}/pay/", **HOST).status_code == 404
    assert not Payment.objects.exists()


def test_only_cashiers_use_the_workspace(client, li_signed_in, reviewer_rui):
    client.force_login(reviewer_rui)
    assert client.get("/cashier/", **HOST).status_code == 403


def test_a_bad_amount_on_the_form_is_a_message_not_an_error(client, li_signed_in, cashier):
    client.get(f"/me/applications/{li_signed_in.number}/pay/", **HOST)
    payment = Payment.objects.get()
    client.force_login(cashier)
    page = client.post(f"/cashier/{payment.code}/", {"action": "confirm", "amount": "三百五"}, **HOST)
    assert page.status_code == 200 and Payment.objects.get().state == Payment.State.AWAITING
