"""Online providers behind one interface, proved with a signed test provider (issue 5)."""

import json

import pytest
from django.test import override_settings

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.audit.models import AuditEntry
from skilleval.payments.models import Payment, ProviderEvent
from skilleval.payments.providers.test import SignedJsonProvider
from skilleval.payments.services import open_payment
from tests.payments.test_payments import approved

pytestmark = pytest.mark.django_db
SECRET = "test-provider-secret"
PROVIDERS = {
    "testpay": {
        "class": "skilleval.payments.providers.test.SignedJsonProvider",
        "options": {"secret": SECRET},
    }
}
SIGNER = SignedJsonProvider(name="testpay", secret=SECRET)


@pytest.fixture
def payment(li_ming, programmer_l4, reviewer_rui):
    return open_payment(approved(li_ming, programmer_l4, reviewer_rui), by=None)


def callback(client, body: dict, *, signature: str | None = None):
    raw = json.dumps(body).encode()
    with override_settings(PAYMENT_PROVIDERS=PROVIDERS):
        return client.post(
            "/api/v1/payments/callback/testpay",
            raw,
            content_type="application/json",
            HTTP_HOST="127.0.0.1",
            HTTP_X_SIGNATURE=signature if signature is not None else SIGNER.sign(raw),
        )


def paid(payment, amount="350.00", txn="T1"):
    return {"transaction_id": txn, "payment_code": payment.code, "amount": amount, "paid_on": "2026-11-24"}


def test_a_signed_callback_confirms_the_payment(client, payment):
    response = callback(client, paid(payment))
    assert response.status_code == 200 and response.json() == {"outcome": "confirmed"}
    assert Payment.objects.get().state == Payment.State.CONFIRMED
    assert Application.objects.get().status == Status.PAID


def test_a_bad_signature_is_refused_and_logged(client, payment):
    response = callback(client, paid(payment), signature="0" * 64)
    assert response.status_code == 400
    assert Payment.objects.get().state == Payment.State.AWAITING
    assert ProviderEvent.objects.get().outcome == "bad_signature"
    assert AuditEntry.objects.filter(action="payments.callback.refused", outcome="denied").exists()


def test_a_wrong_amount_is_flagged_not_confirmed(client, payment):
    assert callback(client, paid(payment, amount="35.00")).json() == {"outcome": "mismatch"}
    assert Payment.objects.get().state == Payment.State.MISMATCH
    assert Application.objects.get().status == Status.APPROVED


def test_an_unknown_reference_is_logged_and_changes_nothing(client, payment):
    body = {**paid(payment), "payment_code": "PNOSUCHONE"}
    assert callback(client, body).json() == {"outcome": "unknown"}
    assert Payment.objects.get().state == Payment.State.AWAITING


def test_a_replay_is_ignored_and_a_second_transaction_is_flagged(client, payment):
    callback(client, paid(payment))
    assert callback(client, paid(payment)).json() == {"outcome": "replay"}
    assert callback(client, paid(payment, txn="T2")).json() == {"outcome": "mismatch"}  # paid twice
    assert AuditEntry.objects.filter(action="payments.payment.confirm").count() == 1
    assert list(ProviderEvent.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "confirmed",
        "replay",
        "mismatch",
    ]


def test_a_malformed_body_and_an_unknown_provider(client, payment):
    raw = b"not json"
    with override_settings(PAYMENT_PROVIDERS=PROVIDERS):
        response = client.post(
            "/api/v1/payments/callback/testpay",
            raw,
            content_type="application/json",
            HTTP_HOST="127.0.0.1",
            HTTP_X_SIGNATURE=SIGNER.sign(raw),
        )
    assert response.status_code == 400
    assert (
        client.post(
            "/api/v1/payments/callback/nobody", b"{}", content_type="application/json", HTTP_HOST="127.0.0.1"
        ).status_code
        == 404
    )
