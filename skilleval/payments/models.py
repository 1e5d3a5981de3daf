"""Fees owed and paid (DOMAIN.md §6): one payment per candidate, or one sum for an institution's group.

A payment is confirmed when the money has reached the organization's account, once: a second confirmation
of the same payment changes nothing. Amounts are exact decimal CNY."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skilleval.accounts.fields import acting_user
from skilleval.catalog.models import SubjectKind


class Payment(models.Model):
    class State(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting transfer")
        PROOF = "proof", _("Proof received")
        MISMATCH = "mismatch", _("Amount does not match")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Proof refused")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.CharField(_("payment code"), max_length=12, unique=True)
    reference = models.CharField(_("transfer remark"), max_length=200)
    payer_name = models.CharField(_("payer"), max_length=200)
    institution = models.ForeignKey(
        "accounts.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount_due = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2)
    amount_received = models.DecimalField(
        _("amount received"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    received_on = models.DateField(_("received on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.AWAITING)
    note = models.CharField(_("cashier's note"), max_length=300, blank=True)
    proof_name = models.CharField(max_length=64, blank=True, editable=False)  # privacy.files
    proof_type = models.CharField(max_length=40, blank=True, editable=False)
    proof_uploaded_at = models.DateTimeField(_("proof uploaded"), null=True, blank=True)
    invoice_kind = models.CharField(
        _("invoice for"),
        max_length=12,
        blank=True,
        choices=[("personal", _("A person")), ("organization", _("An organization"))],
    )
    invoice_title = models.CharField(_("invoice title"), max_length=200, blank=True)
    invoice_taxpayer_id = models.CharField(_("taxpayer id"), max_length=18, blank=True)
    invoice_email = models.EmailField(_("send the invoice to"), blank=True)
    confirmed_by = acting_user()
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_due__gte=0), name="payment_due_not_negative"),
            models.CheckConstraint(
                condition=Q(institution__isnull=False) | Q(person__isnull=False), name="payment_has_a_payer"
            ),
        ]

    def __str__(self):
        return f"{self.code} ¥{self.amount_due}"


class PaymentLine(models.Model):
    """What one application owes within a payment: the subjects quoted and their sum."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="lines")
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="payment_lines"
    )
    subjects = models.JSONField(_("subjects"), default=list)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        constraints = [
            models.UniqueConstraint(fields=["payment", "application"], name="one_line_per_application"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="line_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.payment} · {self.application} ¥{self.amount}"

    @property
    def subject_labels(self) -> list[str]:
        return [str(SubjectKind(kind).label) for kind in self.subjects]


class ProviderEvent(models.Model):
    """Every callback an online payment provider sent, whatever became of it: a replay is a second event
    with the same transaction id, refused by the unique constraint."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed the payment")
        MISMATCH = "mismatch", _("Amount did not match")
        BAD_SIGNATURE = "bad_signature", _("Bad signature")
        UNKNOWN = "unknown", _("Unknown payment")
        REPLAY = "replay", _("Replay ignored")
        MALFORMED = "malformed", _("Malformed")

    provider = models.CharField(max_length=30)
    transaction_id = models.CharField(max_length=80, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("provider callback")
        verbose_name_plural = _("provider callbacks")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "transaction_id"],
                condition=Q(outcome__in=["confirmed", "mismatch"]),
                name="one_settlement_per_provider_transaction",
            )
        ]

    def __str__(self):
        return f"{self.provider} {self.transaction_id} {self.outcome}"


class Invoice(models.Model):
    """An invoice the cashier issued against a payment's request; the PDF is sealed like any private file."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(_("invoice number"), max_length=40)
    issued_on = models.DateField(_("issued on"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    file_name = models.CharField(max_length=64, editable=False)
    recorded_by = acting_user(null=False, blank=False)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["number"], name="invoice_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
        ]

    def __str__(self):
        return self.number


class Refund(models.Model):
    """Money paid back: asked for with a reason by one person, approved by another (the database refuses the
    same person), and never where the fees are forfeited (DOMAIN.md §12 tier 0)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_by = acting_user(null=False, blank=False)
    decided_by = acting_user()
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="refund_decided_by_another_person",
            ),
        ]

    def __str__(self):
        return f"{self.payment} −¥{self.amount}"
