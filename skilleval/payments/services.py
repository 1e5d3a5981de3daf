"""Quotes, payments and their confirmation (DOMAIN.md §6), each change audited.

Confirmation locks the payment row: five cashiers confirming the same payment at once confirm it once, with
one audit row and one notice per candidate. An amount that differs from what is due is flagged for a person
to decide, never silently accepted."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import NUMBER_ALPHABET, Application, Channel, GroupBatch
from skilleval.applications.services import lapse, mark_paid
from skilleval.audit.services import record
from skilleval.catalog.models import SUBJECT_ORDER, Level, SubjectKind
from skilleval.core.errors import DomainError
from skilleval.core.filetypes import PDF, document_type
from skilleval.core.money import to_money
from skilleval.core.validators import InvalidValue, validate_uscc
from skilleval.payments.models import Invoice, Payment, PaymentLine, ProviderEvent, Refund
from skilleval.payments.providers import InvalidCallback, provider
from skilleval.privacy.files import delete_private, store_private

OPEN_STATES = (Payment.State.AWAITING, Payment.State.PROOF, Payment.State.MISMATCH)


@dataclass(frozen=True)
class QuoteLine:
    subject: str
    label: str
    fee: Decimal


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.fee for line in self.lines), Decimal("0.00"))


def quote(application: Application) -> Quote:
    """Every subject of the item for a first attempt; only those retaken for a make-up (DOMAIN.md §6)."""
    subjects = sorted(application.item.subjects.all(), key=lambda s: SUBJECT_ORDER[s.kind])
    if application.retake_subjects:
        subjects = [s for s in subjects if s.kind in set(application.retake_subjects)]
    return Quote(tuple(QuoteLine(s.kind, str(SubjectKind(s.kind).label), to_money(s.fee)) for s in subjects))


def transfer_reference(*, payer: str, item, count: int, code: str) -> str:
    """The notice's remark `考核费+单位（个人）名称+项目名称（等级）+人数`, with our code to match it by."""
    level = str(Level(item.level).label).split("/")[0]
    return f"考核费+{payer}+{item.display_name}（{level}）+{count}人+{code}"[:200]


def _new_code() -> str:
    return "P" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(9))


def _open_line(application: Application) -> PaymentLine | None:
    return application.payment_lines.filter(
        payment__state__in=(*OPEN_STATES, Payment.State.CONFIRMED)
    ).first()


def open_payment(application: Application, *, by) -> Payment:
    """The fee of one approved application, payable by the candidate (or the existing one)."""
    if application.status != Status.APPROVED:
        raise DomainError(_("Only an approved application has a fee due."), code="not_due")
    if application.channel == Channel.GROUP:
        # DOMAIN.md §6: an institution pays one sum for its group (open_group_payment).
        raise DomainError(_("Your institution pays the fee for its group."), code="group_pays")
    existing = _open_line(application)
    if existing is not None:
        return existing.payment
    return _create(
        [application], payer=application.person.full_name, person=application.person, institution=None, by=by
    )


def open_group_payment(batch: GroupBatch, *, by) -> Payment:
    """One sum for every approved application of a group not yet in a payment (DOMAIN.md §6)."""
    due = [
        a
        for a in batch.applications.filter(status=Status.APPROVED).select_related("item")
        if not _open_line(a)
    ]
    if not due:
        raise DomainError(
            _("No approved application of this group has a fee left to pay."), code="nothing_due"
        )
    return _create(due, payer=batch.institution.name, person=None, institution=batch.institution, by=by)


def _create(applications, *, payer: str, person, institution, by) -> Payment:
    quotes = [(a, quote(a)) for a in applications]
    code = _new_code()
    items = {a.item_id for a in applications}
    item = applications[0].item
    reference = transfer_reference(payer=payer, item=item, count=len(applications), code=code)
    if len(items) > 1:
        reference = f"考核费+{payer}+多个项目+{len(applications)}人+{code}"
    with transaction.atomic():
        payment = Payment.objects.create(
            code=code,
            reference=reference,
            payer_name=payer[:200],
            person=person,
            institution=institution,
            amount_due=sum((q.total for _a, q in quotes), Decimal("0.00")),
        )
        PaymentLine.objects.bulk_create(
            PaymentLine(
                payment=payment, application=a, subjects=[line.subject for line in q.lines], amount=q.total
            )
            for a, q in quotes
        )
        record(
            by,
            "payments.payment.open",
            payment,
            {"amount_due": payment.amount_due, "applications": len(quotes)},
        )
    return payment


def confirm_payment(payment: Payment, *, cashier, amount_received, received_on: date) -> Payment:
    """The money is in the account. Idempotent: a payment confirmed already is returned unchanged."""
    amount = to_money(amount_received)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.state == Payment.State.CONFIRMED:
            return locked
        if locked.state in (Payment.State.REFUSED, Payment.State.CANCELLED):
            raise DomainError(_("This payment is closed."), code="closed")
        locked.amount_received, locked.received_on = amount, received_on
        if amount != locked.amount_due:
            # Partial or over-payment: flagged for a person to settle, never confirmed silently.
            locked.state = Payment.State.MISMATCH
            locked.save(update_fields=["amount_received", "received_on", "state", "updated_at"])
            record(
                cashier, "payments.payment.mismatch", locked, {"due": locked.amount_due, "received": amount}
            )
            return locked
        locked.state = Payment.State.CONFIRMED
        locked.confirmed_by, locked.confirmed_at = cashier, timezone.now()
        locked.save(
            update_fields=[
                "amount_received",
                "received_on",
                "state",
                "confirmed_by",
                "confirmed_at",
                "updated_at",
            ]
        )
        record(cashier, "payments.payment.confirm", locked, {"amount": amount, "received_on": received_on})
        for line in locked.lines.select_related("application"):
            mark_paid(line.application, by=cashier, reason=locked.code)
    return locked


def lapse_overdue(*, today: date, by=None) -> list[str]:
    """Approved applications whose fee deadline has passed without a confirmed payment lapse (DOMAIN.md §4);
    the candidate is told by the lifecycle's notice. Returns the numbers that lapsed. Run daily."""
    overdue = Application.objects.filter(status=Status.APPROVED, fee_due_by__lt=today).exclude(
        payment_lines__payment__state=Payment.State.CONFIRMED
    )
    lapsed = []
    for application in overdue:
        lapse(
            application,
            by=by,
            reason=_("The fee was not paid by %(date)s.") % {"date": application.fee_due_by},
        )
        lapsed.append(application.number)
    Payment.objects.filter(
        state__in=OPEN_STATES, lines__application__number__in=lapsed, institution__isnull=True
    ).update(state=Payment.State.CANCELLED)
    return lapsed


PROOF_PURPOSE = "payments.proof"
PROOF_MAX_BYTES = 10 * 1024 * 1024


def submit_proof(
    payment: Payment,
    *,
    content: bytes,
    invoice_kind: str,
    invoice_title: str,
    invoice_taxpayer_id: str = "",
    invoice_email: str = "",
    by,
) -> Payment:
    """The payer's proof of transfer (image or PDF) and invoice details, replacing the notice's e-mail."""
    if payment.state not in (Payment.State.AWAITING, Payment.State.PROOF, Payment.State.REFUSED):
        raise DomainError(_("This payment takes no more proof."), code="closed")
    if len(content) > PROOF_MAX_BYTES:
        raise DomainError(_("A file may be at most 10 MB."), code="too_large", field="proof")
    kind = document_type(content)
    if kind is None:
        raise DomainError(_("Upload a PDF, JPEG or PNG file."), code="format", field="proof")
    title = " ".join(invoice_title.split())
    if not title:
        raise DomainError(_("Give the invoice title."), code="required", field="invoice_title")
    taxpayer = ""
    if invoice_kind == "organization":
        try:
            taxpayer = validate_uscc(invoice_taxpayer_id)
        except InvalidValue as exc:
            raise DomainError(
                exc.message_for(get_language() or "zh-hans"), code=exc.code, field="invoice_taxpayer_id"
            ) from exc
    elif invoice_kind != "personal":
        raise DomainError(_("Say whom the invoice is for."), code="invoice_kind", field="invoice_kind")
    old = payment.proof_name
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        locked.proof_name = store_private(content, purpose=PROOF_PURPOSE)
        locked.proof_type, locked.proof_uploaded_at = kind, timezone.now()
        locked.invoice_kind, locked.invoice_title = invoice_kind, title[:200]
        locked.invoice_taxpayer_id, locked.invoice_email = taxpayer, invoice_email.strip()[:254]
        locked.state = Payment.State.PROOF
        locked.save()
        record(by, "payments.payment.proof", locked, {"type": kind, "invoice": invoice_kind})
    if old:
        transaction.on_commit(lambda: delete_private(old))
    return locked


def refuse_proof(payment: Payment, *, cashier, reason: str) -> Payment:
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(
            _("Give the reason; the payer will read it."), code="reason_required", field="reason"
        )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.state != Payment.State.PROOF:
            raise DomainError(_("Only a payment with proof waiting can be refused."), code="state")
        locked.state, locked.note = Payment.State.REFUSED, reason[:300]
        locked.save(update_fields=["state", "note", "updated_at"])
        record(cashier, "payments.payment.refuse", locked, {"reason": reason[:300]})
    return locked


def settle_callback(provider_name: str, body: bytes, headers) -> str:
    """Handle one provider callback; returns the outcome. Bad signatures, unknown payments, malformed bodies
    and replays change nothing, and every callback is logged (and audited) whatever its outcome."""
    digest = hashlib.sha256(body).hexdigest()
    try:
        settlement = provider(provider_name).verify(body, headers)
    except InvalidCallback as exc:
        return _log_event(provider_name, "", None, exc.outcome, digest)
    payment = Payment.objects.filter(code=settlement.payment_code).first()
    if payment is None:
        return _log_event(
            provider_name, settlement.transaction_id, None, ProviderEvent.Outcome.UNKNOWN, digest
        )
    if ProviderEvent.objects.filter(
        provider=provider_name, transaction_id=settlement.transaction_id, outcome__in=SETTLED
    ).exists():
        return _log_event(
            provider_name, settlement.transaction_id, payment, ProviderEvent.Outcome.REPLAY, digest
        )
    if payment.state == Payment.State.CONFIRMED:
        # Money for a payment settled already: paid twice. Logged for the cashier, never confirmed again.
        return _log_event(
            provider_name, settlement.transaction_id, payment, ProviderEvent.Outcome.MISMATCH, digest
        )
    try:
        with transaction.atomic():
            confirmed = confirm_payment(
                payment, cashier=None, amount_received=settlement.amount, received_on=settlement.paid_on
            )
            outcome = "confirmed" if confirmed.state == Payment.State.CONFIRMED else "mismatch"
            ProviderEvent.objects.create(
                provider=provider_name,
                transaction_id=settlement.transaction_id,
                payment=payment,
                outcome=outcome,
                body_sha256=digest,
            )
    except IntegrityError:
        # The same transaction settled concurrently: this copy is a replay.
        return _log_event(
            provider_name, settlement.transaction_id, payment, ProviderEvent.Outcome.REPLAY, digest
        )
    return outcome


SETTLED = (ProviderEvent.Outcome.CONFIRMED, ProviderEvent.Outcome.MISMATCH)


def _log_event(provider_name, transaction_id, payment, outcome, digest) -> str:
    with transaction.atomic():
        event = ProviderEvent.objects.create(
            provider=provider_name,
            transaction_id=transaction_id,
            payment=payment,
            outcome=outcome,
            body_sha256=digest,
        )
        record(
            None,
            "payments.callback.refused",
            event,
            {"provider": provider_name, "outcome": outcome},
            outcome="denied",
        )
    return outcome


INVOICE_PURPOSE = "payments.invoice"


def record_invoice(payment: Payment, *, number: str, issued_on: date, amount, pdf: bytes, by) -> Invoice:
    """The cashier records the invoice issued for a confirmed payment's request; the payer can download it."""
    amount = to_money(amount)
    number = number.strip()
    if payment.state != Payment.State.CONFIRMED:
        raise DomainError(_("Invoices are issued for confirmed payments."), code="not_confirmed")
    if not payment.invoice_title:
        raise DomainError(_("The payer has not asked for an invoice."), code="no_request")
    if not number:
        raise DomainError(_("Give the invoice number."), code="required", field="number")
    invoiced = sum((i.amount for i in payment.invoices.all()), Decimal("0.00"))
    if amount <= 0 or invoiced + amount > payment.amount_received:
        raise DomainError(_("The invoices would exceed the amount received."), code="amount", field="amount")
    if document_type(pdf) != PDF:
        raise DomainError(_("Upload the invoice as a PDF."), code="format", field="file")
    if Invoice.objects.filter(number=number).exists():
        raise DomainError(_("This invoice number is recorded already."), code="duplicate", field="number")
    with transaction.atomic():
        invoice = Invoice.objects.create(
            payment=payment,
            number=number[:40],
            issued_on=issued_on,
            amount=amount,
            file_name=store_private(pdf, purpose=INVOICE_PURPOSE),
            recorded_by=by,
        )
        record(by, "payments.invoice.record", payment, {"invoice": invoice.number, "amount": amount})
    return invoice


def request_refund(payment: Payment, *, amount, reason: str, by) -> Refund:
    amount = to_money(amount)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Give the reason for the refund."), code="reason_required", field="reason")
    if payment.state != Payment.State.CONFIRMED:
        raise DomainError(_("Only a confirmed payment can be refunded."), code="not_confirmed")
    if payment.lines.filter(application__fees_forfeited=True).exists():
        # DOMAIN.md §12 tier 0: false materials or unmet conditions; the fees are not returned.
        raise DomainError(
            _("The fees are forfeited (false materials or unmet conditions)."), code="forfeited"
        )
    refunded = sum((r.amount for r in payment.refunds.exclude(state=Refund.State.REJECTED)), Decimal("0.00"))
    if amount <= 0 or refunded + amount > payment.amount_received:
        raise DomainError(_("The refunds would exceed the amount received."), code="amount", field="amount")
    with transaction.atomic():
        refund = Refund.objects.create(payment=payment, amount=amount, reason=reason[:300], requested_by=by)
        record(
            by, "payments.refund.request", payment, {"refund": refund.pk, "amount": amount, "reason": reason}
        )
    return refund


def decide_refund(refund: Refund, *, approve: bool, by) -> Refund:
    """A second person approves or rejects; whoever asked cannot decide (four eyes, also in the database)."""
    if by.pk == refund.requested_by_id:
        raise DomainError(_("The person who asked for a refund cannot decide on it."), code="four_eyes")
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.state != Refund.State.REQUESTED:
            return locked
        locked.state = Refund.State.APPROVED if approve else Refund.State.REJECTED
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        record(
            by,
            f"payments.refund.{locked.state}",
            locked.payment,
            {"refund": locked.pk, "amount": locked.amount},
        )
    return locked
