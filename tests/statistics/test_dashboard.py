"""The staff dashboard (issue 11): the staff home page in Chinese and English, the sections each role works
with, filters, and xlsx exports whose rows are the page's numbers, each export audited with counts only."""

import io
import re
from datetime import date, datetime
from html import unescape

import openpyxl
import pytest
from django.conf.urls.i18n import i18n_patterns
from django.urls import Resolver404, include, path, resolve
from django.utils import timezone

import config.urls
from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.audit.models import AuditEntry
from skilleval.payments.services import confirm_payment, open_payment
from tests.applications.conftest import make_candidate
from tests.payments.test_payments import approved
from tests.results.test_scores import mark_all
from tests.scheduling.factories import seed_paid


def _with_dashboard():
    """config.urls with the dashboard included, whether or not the lead has added the include yet."""
    try:
        resolve("/dashboard/", urlconf="config.urls")
    except Resolver404:
        return config.urls.urlpatterns + i18n_patterns(
            path("dashboard/", include("skilleval.statistics.urls")), prefix_default_language=False
        )
    return config.urls.urlpatterns


urlpatterns = _with_dashboard()
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
HOST = {"HTTP_HOST": "127.0.0.1"}
YEAR = timezone.localdate().year


def staff(role, name, admin):
    user = User.objects.create_user(username=name, password=f"{name.title()}-pass-2026!")
    grant_role(user, role, by=admin)
    return user


def cells(html: str, key: str) -> list[list[str]]:
    """The body rows of one dashboard table, as the reader sees them."""
    block = re.search(rf'id="table-{key}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [
        [unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", block, re.S)
    ]


def xlsx_rows(response) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.fixture
def busy(
    held, examiner_a, examiner_b, supervisor_s, li_ming, programmer_l4, reviewer_rui, school, admin_alice
):
    """This year's applications (three held and marked, four from a school), a confirmed fee and one owed."""
    mark_all(held, ["60", "88.5", "95"], ["72", "59.5", None], examiner_a, examiner_b, supervisor_s)
    seed_paid(
        programmer_l4,
        4,
        submitted=timezone.make_aware(datetime(YEAR, 3, 2, 9)),
        start=500,
        institution=school,
    )
    paid = approved(li_ming, programmer_l4, reviewer_rui)
    confirm_payment(
        open_payment(paid, by=None), cashier=admin_alice, amount_received="350", received_on=date(YEAR, 3, 5)
    )
    approved(make_candidate(name="王芳", id_number="310101198505124561"), programmer_l4, reviewer_rui)


def test_a_supervisor_sees_every_section_in_chinese_and_english(client, busy, supervisor_s):
    client.force_login(supervisor_s)
    chinese = client.get("/dashboard/", **HOST)
    assert chinese.status_code == 200
    page = chinese.content.decode()
    assert '<html lang="zh-CN">' in page
    for key in (
        "months",
        "statuses",
        "institutions",
        "cohorts",
        "pass_occupation",
        "pass_subject",
        "collections",
        "outstanding",
        "deadlines",
        "deferred",
    ):
        assert f'id="table-{key}"' in page, key
    assert page.count("<svg") >= 5 and 'role="img"' in page

    english = client.get("/en/dashboard/", **HOST)
    assert english.status_code == 200
    text = english.content.decode()
    assert '<html lang="en">' in text and "Applications by month" in text and "Pass rate by subject" in text
    assert "Fees outstanding" in text and "Results deadlines at risk" in text and "Deferred cohorts" in text


def test_the_page_shows_the_numbers_of_the_rows(client, busy, supervisor_s, school):
    client.force_login(supervisor_s)
    html = client.get(f"/en/dashboard/?year={YEAR}", **HOST).content.decode()
    months = dict(cells(html, "months"))
    assert months[f"{YEAR}-03"] == "4"  # the school's four, submitted in March
    assert sum(int(n) for n in months.values()) == 4 + 3 + 2  # + the held three (2026-10) + two approved now
    assert [school.name, "4"] in cells(html, "institutions")
    # theory: 60, 88.5, 95 all pass; practical: 72 passes, 59.5 fails, absent fails (DOMAIN.md §9)
    assert cells(html, "pass_subject") == [
        ["Practical skills", "3", "1", "33.3%"],
        ["Theory knowledge", "3", "3", "100.0%"],
    ]
    assert [row[2] for row in cells(html, "collections") if row[1] != "0"] == ["350.00"]
    assert "¥350.00" in html  # one collected, one outstanding of 350


def test_the_xlsx_export_holds_the_pages_rows_and_is_audited(client, busy, supervisor_s):
    client.force_login(supervisor_s)
    query = f"year={YEAR}&from=1&to=12"
    html = client.get(f"/en/dashboard/?{query}", **HOST).content.decode()
    for key in ("months", "institutions", "pass_subject", "collections", "outstanding"):
        response = client.get(f"/en/dashboard/export.xlsx?section={key}&{query}", **HOST)
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
        rows = xlsx_rows(response)
        assert rows[1:] == cells(html, key), key
    audit = AuditEntry.objects.filter(action="statistics.export").order_by("seq")
    assert audit.count() == 5
    first = audit.first()
    assert first.actor_id == supervisor_s.pk
    assert first.data == {"section": "months", "rows": 12, "filters": {"year": YEAR, "from": 1, "to": 12}}


def test_each_role_sees_the_sections_it_works_with(client, busy, admin_alice):
    cashier = staff(Role.CASHIER, "cashier_c", admin_alice)
    client.force_login(cashier)
    page = client.get("/en/dashboard/", **HOST).content.decode()
    assert 'id="table-collections"' in page and 'id="table-months"' in page
    assert 'id="table-pass_subject"' not in page and 'id="table-deadlines"' not in page
    assert client.get("/en/dashboard/export.xlsx?section=pass_subject", **HOST).status_code == 403

    clerk = staff(Role.COUNTER_CLERK, "clerk_c", admin_alice)
    client.force_login(clerk)
    page = client.get("/en/dashboard/", **HOST).content.decode()
    assert 'id="table-months"' in page and 'id="table-collections"' not in page
    assert client.get("/en/dashboard/export.xlsx?section=collections", **HOST).status_code == 403
    assert client.get("/en/dashboard/export.xlsx?section=nonsense", **HOST).status_code == 404
    assert not AuditEntry.objects.filter(action="statistics.export").exists()


def test_candidates_institutions_and_strangers_are_kept_out(client, li_ming, school_user_of, admin_alice):
    candidate = staff(Role.CANDIDATE, "cand_c", admin_alice)
    for user in (candidate, school_user_of):
        client.force_login(user)
        assert client.get("/dashboard/", **HOST).status_code == 403
        assert client.get("/dashboard/export.xlsx?section=months", **HOST).status_code == 403
    client.logout()
    anonymous = client.get("/dashboard/", **HOST)
    assert anonymous.status_code == 302 and "/account/login/" in anonymous["Location"]


@pytest.fixture
def school_user_of(school, admin_alice):
    user = User.objects.create_user(username="teacher_li", password="Li-pass-2026!", institution=school)
    grant_role(user, Role.INSTITUTION, by=admin_alice)
    return user
