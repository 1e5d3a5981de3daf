"""Paying the fee (DOMAIN.md §6): the payer's page and the cashier's workspace."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from skilleval.accounts.access import has_any_role, role_required, signed_in
from skilleval.accounts.roles import Role
from skilleval.applications.access import get_application_for
from skilleval.applications.models import GroupBatch
from skilleval.applications.views.candidate import candidate_required
from skilleval.applications.views.files import private_response
from skilleval.core.errors import DomainError
from skilleval.core.spreadsheets import write_xlsx
from skilleval.payments.models import Invoice, Payment, Refund
from skilleval.payments.reports import daily_collections, outstanding
from skilleval.payments.services import (
    INVOICE_PURPOSE,
    PROOF_PURPOSE,
    confirm_payment,
    decide_refund,
    open_group_payment,
    open_payment,
    record_invoice,
    refuse_proof,
    request_refund,
    submit_proof,
)
from skilleval.payments.statements import MAX_BYTES as STATEMENT_MAX_BYTES
from skilleval.payments.statements import import_statement
from skilleval.privacy.files import read_private


def _payer_page(request, payment: Payment, back_url: str):
    if request.method == "POST":
        upload = request.FILES.get("proof")
        try:
            submit_proof(
                payment,
                content=upload.read() if upload else b"",
                invoice_kind=request.POST.get("invoice_kind", ""),
                invoice_title=request.POST.get("invoice_title", ""),
                invoice_taxpayer_id=request.POST.get("invoice_taxpayer_id", ""),
                invoice_email=request.POST.get("invoice_email", ""),
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you. The cashier will confirm when the money has arrived."))
            return redirect(back_url)
    due_by = min(
        (
            line.application.fee_due_by
            for line in payment.lines.select_related("application")
            if line.application.fee_due_by
        ),
        default=None,
    )
    context = {"payment": payment, "back_url": back_url, "due_by": due_by}
    response = render(request, "payments/payer.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@candidate_required
def pay_application(request, number):
    application = get_application_for(request.user, number)
    try:
        payment = open_payment(application, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("application", number=number)
    return _payer_page(request, payment, request.path)


@require_http_methods(["GET", "POST"])
@role_required(Role.INSTITUTION)
def pay_batch(request, pk):
    batch = get_object_or_404(GroupBatch, pk=pk, institution_id=request.user.institution_id)
    payment = (
        Payment.objects.filter(institution=batch.institution, lines__application__batch=batch)
        .exclude(state=Payment.State.CANCELLED)
        .order_by("-created_at")
        .first()
    )
    if payment is None or request.GET.get("new") == "1":
        try:
            payment = open_group_payment(batch, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("institution-batch", pk=pk)
    return _payer_page(request, payment, request.path)


CASHIERS = (Role.CASHIER, Role.SUPERVISOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@role_required(*CASHIERS)
def cashier_queue(request):
    state = request.GET.get("state", Payment.State.PROOF)
    rows = Payment.objects.all() if state == "all" else Payment.objects.filter(state=state)
    page = Paginator(rows.order_by("proof_uploaded_at", "created_at"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/cashier_queue.html",
        {"page": page, "state": state, "states": Payment.State.choices},
    )


@require_http_methods(["GET", "POST"])
@role_required(*CASHIERS)
def cashier_payment(request, code):
    payment = get_object_or_404(Payment, code=code)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "refuse":
                refuse_proof(payment, cashier=request.user, reason=request.POST.get("reason", ""))
            elif action == "invoice":
                upload = request.FILES.get("file")
                record_invoice(
                    payment,
                    number=request.POST.get("number", ""),
                    issued_on=date.fromisoformat(
                        request.POST.get("issued_on") or timezone.localdate().isoformat()
                    ),
                    amount=request.POST.get("invoice_amount", ""),
                    pdf=upload.read() if upload else b"",
                    by=request.user,
                )
            elif action == "refund":
                request_refund(
                    payment,
                    amount=request.POST.get("refund_amount", ""),
                    reason=request.POST.get("refund_reason", ""),
                    by=request.user,
                )
            elif action in ("approve_refund", "reject_refund"):
                refund = get_object_or_404(Refund, pk=request.POST.get("refund"), payment=payment)
                decide_refund(refund, approve=action == "approve_refund", by=request.user)
            else:
                received_on = date.fromisoformat(
                    request.POST.get("received_on") or timezone.localdate().isoformat()
                )
                confirm_payment(
                    payment,
                    cashier=request.user,
                    amount_received=request.POST.get("amount", ""),
                    received_on=received_on,
                )
        except (DomainError, ValueError) as exc:
            messages.error(
                request,
                getattr(exc, "message", _("Enter the amount and the date as shown on the bank statement.")),
            )
        else:
            messages.success(request, _("Recorded."))
            return redirect("cashier-payment", code=code)
    lines = payment.lines.select_related("application__person", "application__item__occupation")
    context = {"payment": payment, "lines": lines, "refunds": payment.refunds.order_by("created_at")}
    response = render(request, "payments/cashier_payment.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@role_required(*CASHIERS)
def cashier_proof(request, code):
    payment = get_object_or_404(Payment, code=code)
    if not payment.proof_name:
        return redirect("cashier-payment", code=code)
    return private_response(read_private(payment.proof_name, purpose=PROOF_PURPOSE), payment.proof_type)


@require_http_methods(["GET", "POST"])
@role_required(*CASHIERS)
def cashier_statement(request):
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size > STATEMENT_MAX_BYTES:
            messages.error(request, _("Choose a bank statement (.xlsx, .xls or .csv) of at most 10 MB."))
        else:
            result = import_statement(upload.read(), filename=upload.name, cashier=request.user)
    response = render(request, "payments/cashier_statement.html", {"result": result})
    response["Cache-Control"] = "no-store"
    return response


def _payer_may_see(user, payment: Payment) -> bool:
    if payment.institution_id:
        return bool(user.institution_id) and user.institution_id == payment.institution_id
    person = getattr(user, "person", None)
    return person is not None and payment.person_id == person.pk


@require_GET
@signed_in
def invoice_file(request, code, pk):
    """The payer's (or a cashier's) copy of an invoice; anyone else gets 404."""
    invoice = get_object_or_404(Invoice, pk=pk, payment__code=code)
    if not (has_any_role(request.user, CASHIERS) or _payer_may_see(request.user, invoice.payment)):
        raise Http404
    return private_response(
        read_private(invoice.file_name, purpose=INVOICE_PURPOSE),
        "application/pdf",
        filename=f"invoice-{invoice.pk}.pdf",
    )


def _period(request) -> tuple[date, date]:
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("from") or today.replace(day=1).isoformat())
        end = date.fromisoformat(request.GET.get("to") or today.isoformat())
    except ValueError:
        start, end = today.replace(day=1), today
    return start, end


@require_GET
@role_required(*CASHIERS)
def cashier_reports(request):
    start, end = _period(request)
    context = {
        "start": start,
        "end": end,
        "collections": daily_collections(start, end),
        "outstanding": outstanding(),
    }
    return render(request, "payments/cashier_reports.html", context)


@require_GET
@role_required(*CASHIERS)
def export_collections(request):
    start, end = _period(request)
    header = [_("Date"), _("Number of payments"), _("Amount (CNY)")]
    rows = [[r["date"].isoformat(), r["payments"], str(r["amount"])] for r in daily_collections(start, end)]
    return private_response(
        write_xlsx(header, rows), XLSX, filename=f"collections-{start}-{end}.xlsx", attachment=True
    )


@require_GET
@role_required(*CASHIERS)
def export_outstanding(request):
    header = [_("Item"), _("Application month"), _("Institution"), _("Applications"), _("Amount (CNY)")]
    rows = [
        [r["item"], r["month"], r["institution"], r["applications"], str(r["amount"])] for r in outstanding()
    ]
    return private_response(write_xlsx(header, rows), XLSX, filename="outstanding.xlsx", attachment=True)
