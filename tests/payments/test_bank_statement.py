"""Bulk confirmation from a bank statement (issue 5 "Cashier workspace")."""

import io

import openpyxl
import pytest

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.audit.models import AuditEntry
from skilleval.payments.models import Payment
from skilleval.payments.services import open_payment
from skilleval.payments.statements import import_statement
from tests.applications.conftest import make_candidate
from tests.payments.test_payments import approved

pytestmark = pytest.mark.django_db


def statement(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["交易日期", "金额", "对方户名", "附言"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def payments(li_ming, programmer_l4, reviewer_rui):
    wang = make_candidate(name="王芳", id_number="310101198505124561")
    zhao = make_candidate(name="赵六", id_number="310104200001010033")
    return [open_payment(approved(p, programmer_l4, reviewer_rui), by=None) for p in (li_ming, wang, zhao)]


def test_lines_are_matched_confirmed_flagged_or_listed(payments, admin_alice):
    li, wang, zhao = payments
    data = statement(
        [
            ["2026-11-24", "350.00", "李明", li.reference],  # exact: confirmed
            ["2026-11-24", "300", "王芳", f"考核费 {wang.code}"],  # partial: flagged
            ["2026-11-24", "350", "赵六", "考核费"],  # no code: one open payment fits the name → suggested
            ["2026-11-25", "999", "某人", "别的款项"],  # nothing fits
            ["2026-11-25", "-20", "银行", "手续费"],  # outgoing: ignored
            ["昨天", "350", "李明", ""],  # unreadable date
        ]
    )
    result = import_statement(data, filename="流水.xlsx", cashier=admin_alice)
    assert [line.payment.code for line in result.confirmed] == [li.code]
    assert [line.payment.code for line in result.mismatched] == [wang.code]
    assert [line.payment.code for line in result.suggested] == [zhao.code]
    assert [line.row for line in result.unmatched] == [5, 7]
    states = dict(Payment.objects.values_list("code", "state"))
    assert states == {li.code: "confirmed", wang.code: "mismatch", zhao.code: "awaiting"}
    assert Application.objects.filter(status=Status.PAID).count() == 1


def test_the_same_statement_twice_confirms_once(payments, admin_alice):
    data = statement([["2026-11-24", "350.00", "李明", payments[0].reference]])
    import_statement(data, filename="a.xlsx", cashier=admin_alice)
    import_statement(data, filename="a.xlsx", cashier=admin_alice)
    assert AuditEntry.objects.filter(action="payments.payment.confirm").count() == 1


def test_an_amount_that_fits_several_payments_is_ambiguous(payments, admin_alice):
    result = import_statement(
        statement([["2026-11-24", "350", "", "学费"]]), filename="b.xlsx", cashier=admin_alice
    )
    assert len(result.ambiguous) == 1 and len(result.ambiguous[0].candidates) == 3
    assert not Payment.objects.filter(state="confirmed").exists()


def test_a_hostile_statement_is_refused(payments, admin_alice):
    result = import_statement(b"\x89PNG\r\n\x1a\n", filename="c.csv", cashier=admin_alice)
    assert result.errors and not Payment.objects.filter(state="confirmed").exists()
