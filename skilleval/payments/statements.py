"""Bulk confirmation from a bank statement (CSV or xlsx: date, amount, payer, remark), DOMAIN.md §6.

A line whose remark carries a payment code and whose amount equals what is due confirms that payment; a
different amount flags it as a mismatch. Lines with no code are matched by amount and payer name: one open
payment fits → listed as a suggestion; several → ambiguous; none → unmatched. Those are left for a person:
nothing is confirmed on a guess. The same statement twice changes nothing (confirmation is idempotent)."""

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from skilleval.core.errors import DomainError
from skilleval.core.money import to_money
from skilleval.core.spreadsheets import ColumnSpec, SpreadsheetRefused, read_table
from skilleval.payments.models import Payment
from skilleval.payments.services import OPEN_STATES, confirm_payment

COLUMNS = [
    ColumnSpec("date", ("交易日期", "Date", "日期", "记账日期")),
    ColumnSpec("amount", ("金额", "Amount", "收入金额", "贷方金额", "贷方发生额")),
    ColumnSpec("payer", ("付款人", "Payer", "对方户名", "付款人名称"), required=False),
    ColumnSpec("remark", ("附言", "Remark", "摘要", "用途", "备注"), required=False),
]
CODE = re.compile(r"P[A-HJ-NP-Z2-9]{9}")
MAX_ROWS, MAX_BYTES = 20000, 10 * 1024 * 1024


@dataclass
class StatementLine:
    row: int
    date: str
    amount: str
    payer: str
    remark: str
    payment: Payment | None = None
    candidates: list = field(default_factory=list)
    problem: str = ""


@dataclass
class StatementResult:
    confirmed: list[StatementLine] = field(default_factory=list)
    mismatched: list[StatementLine] = field(default_factory=list)
    suggested: list[StatementLine] = field(default_factory=list)
    ambiguous: list[StatementLine] = field(default_factory=list)
    unmatched: list[StatementLine] = field(default_factory=list)
    errors: list = field(default_factory=list)


def import_statement(data: bytes, *, filename: str, cashier) -> StatementResult:
    result = StatementResult()
    try:
        table = read_table(data, filename=filename, columns=COLUMNS, max_rows=MAX_ROWS, max_bytes=MAX_BYTES)
        rows = list(table)
    except SpreadsheetRefused as exc:
        result.errors = exc.errors
        return result
    for row in rows:
        v = row.values
        line = StatementLine(row.number, v["date"], v["amount"], v["payer"], v["remark"])
        try:
            amount = _amount(v["amount"])
            received_on = date.fromisoformat(v["date"][:10])
        except (ValueError, DomainError):
            line.problem = _("The date or the amount cannot be read.")
            result.unmatched.append(line)
            continue
        if amount <= 0:
            continue  # outgoing money or a zero line: not a fee
        match = CODE.search(v["remark"].upper())
        payment = Payment.objects.filter(code=match.group(0)).first() if match else None
        if payment is not None:
            line.payment = confirm_payment(
                payment, cashier=cashier, amount_received=amount, received_on=received_on
            )
            (result.confirmed if line.payment.state == Payment.State.CONFIRMED else result.mismatched).append(
                line
            )
            continue
        fits = list(Payment.objects.filter(state__in=OPEN_STATES, amount_due=amount)[:10])
        named = [p for p in fits if v["payer"] and (p.payer_name in v["payer"] or v["payer"] in p.payer_name)]
        line.candidates = named or fits
        if len(named) == 1:
            line.payment = named[0]
            result.suggested.append(line)
        elif line.candidates:
            result.ambiguous.append(line)
        else:
            result.unmatched.append(line)
    return result


def _amount(text: str):
    return to_money(text.replace("¥", "").replace("￥", "").replace("元", ""))
