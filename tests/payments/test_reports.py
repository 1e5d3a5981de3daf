"""The cashier's reports agree with the rows beneath them; exports keep formulas as text (issue 5)."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.payments.models import Payment
from skilleval.payments.reports import daily_collections, outstanding
from skilleval.payments.services import confirm_payment, open_payment
from tests.applications.conftest import make_candidate
from tests.payments.test_payments import approved

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


@pytest.fixture
def three(li_ming, programmer_l4, reviewer_rui, admin_alice):
    wang = make_candidate(name="王芳", id_number="310101198505124561")
    zhao = make_candidate(name='=HYPERLINK("http://evil")', id_number="310104200001010033")
    apps = [approved(p, programmer_l4, reviewer_rui) for p in (li_ming, wang, zhao)]
    confirm_payment(
        open_payment(apps[0], by=None),
        cashier=admin_alice,
        amount_received="350",
        received_on=date(2026, 11, 23),
    )
    return apps


def test_collections_and_outstanding_agree_with_the_rows(three):
    collections = daily_collections(date(2026, 11, 1), date(2026, 11, 30))
    assert collections == [{"date": date(2026, 11, 23), "payments": 1, "amount": Decimal("350.00")}]
    confirmed = Payment.objects.filter(state=Payment.State.CONFIRMED)
    assert sum(r["amount"] for r in collections) == sum(p.amount_received for p in confirmed)
    rows = outstanding()
    assert [(r["applications"], r["amount"]) for r in rows] == [(2, Decimal("700.00"))]


def test_the_exports_keep_a_formula_as_text(client, three, admin_alice, programmer_l4, reviewer_rui):
    from skilleval.accounts.models import Institution

    hostile = Institution.objects.create(name='=HYPERLINK("http://evil","点我")', uscc="91310000132200821H")
    student = make_candidate(name="孙七", id_number="310104199503150022")
    approved(student, programmer_l4, reviewer_rui, channel="group", institution=hostile)
    cashier = User.objects.create_user(username="cashier", password="Cashier-pass-2026!")
    grant_role(cashier, Role.CASHIER, by=admin_alice)
    client.force_login(cashier)
    page = client.get("/cashier/reports/", **HOST)
    assert page.status_code == 200 and "700.00" in page.content.decode()

    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/cashier/reports/outstanding.xlsx", **HOST).content)
    ).active
    cells = {c.value: c for row in sheet.iter_rows() for c in row}
    formula_like = cells['=HYPERLINK("http://evil","点我")']
    assert formula_like.data_type == "s"  # text, not a live formula
    assert "700.00" in cells and "350.00" in cells

    export = client.get("/cashier/reports/collections.xlsx?from=2026-11-01&to=2026-11-30", **HOST).content
    values = [c.value for row in openpyxl.load_workbook(io.BytesIO(export)).active.iter_rows() for c in row]
    assert values[3:] == ["2026-11-23", "1", "350.00"]
