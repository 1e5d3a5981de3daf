"""The upload of certificates for the national certificate database (DOMAIN.md §11, §12 "national data
corrected"): its fields with the full ID number, 有效 / 已撤销 with the date and reason, formula injection
neutralised, the revocations-only file, and every download audited without personal data (SECURITY.md
"Audit", "Input and files")."""

import csv
import importlib
import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from skilleval.audit.models import AuditEntry
from skilleval.certificates.exports import HEADERS, certificate_rows, revocation_rows
from skilleval.certificates.models import Certificate
from skilleval.certificates.services import issue_certificates, revoke
from skilleval.people.models import Person
from tests.certificates.test_certificate_staff_views import HOST
from tests.certificates.test_issue import _editor, flipped

pytestmark = pytest.mark.django_db
FORMULA_NAME = '=HYPERLINK("http://evil.example","点击")'
REASON = "材料造假（附件 2 第 4.1 条）"


@pytest.fixture
def certificates(passed, supervisor_s):
    """The two who passed are certified; the first has a name an unwary spreadsheet would run as a formula,
    the second's certificate is revoked."""
    _item, applications = passed
    Person.objects.filter(pk=applications[0].person_id).update(full_name=FORMULA_NAME)
    issue_certificates(by=None)
    first, second = (Certificate.objects.get(application=a) for a in applications[:2])
    revoke(second, reason=REASON, by=supervisor_s)
    return first, second


def by_number(rows) -> dict[str, dict]:
    return {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows}


def test_the_workbook_has_the_national_fields_the_full_id_number_and_the_state(
    certificates, client, supervisor_s
):
    first, second = certificates
    client.force_login(supervisor_s)
    response = client.get("/en/certificates/export.xlsx", **HOST)

    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    shown = by_number(rows[1:])
    assert set(shown) == {first.number, second.number}
    one, two = shown[first.number], shown[second.number]
    assert one["证件号码"] == first.person.id_number and two["证件号码"] == second.person.id_number
    assert (one["证件类型"], one["职业编码"], one["等级"]) == ("居民身份证", "4-04-05-01", "四级/中级工")
    assert one["发证日期"] == timezone.localdate().isoformat()
    assert (one["评价机构备案号"], one["评价机构"]) == ("S000031400054", "上海市计算技术研究所有限公司")
    assert (one["状态"], one["撤销日期"], one["撤销原因"]) == ("有效", None, None)
    assert (two["状态"], two["撤销日期"], two["撤销原因"]) == (
        "已撤销",
        timezone.localdate().isoformat(),
        REASON,
    )

    name_cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[1].value == FORMULA_NAME)
    assert (name_cell.data_type, name_cell.quotePrefix) == ("s", True)  # text, never a live formula

    entry = AuditEntry.objects.get(action="certificates.export")
    assert entry.actor_id == supervisor_s.pk
    assert entry.data == {
        "kind": "certificates",
        "format": "xlsx",
        "from": None,
        "to": None,
        "certificates": 2,
        "withheld": 0,
    }
    assert all(c.person.id_number not in str(entry.data) + entry.target_label for c in certificates)


def test_the_csv_opens_in_chinese_excel_and_neutralises_formulas(certificates, client, supervisor_s):
    first, _second = certificates
    today = timezone.localdate().isoformat()
    client.force_login(supervisor_s)
    response = client.get(f"/en/certificates/export.csv?from={today}&to={today}", **HOST)

    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert by_number(rows[1:])[first.number]["姓名"] == "'" + FORMULA_NAME
    assert sorted(row[11] for row in rows[1:]) == ["已撤销", "有效"]
    assert AuditEntry.objects.get(action="certificates.export").data["from"] == today


def test_the_revocations_file_lists_only_the_revoked(certificates, client, supervisor_s):
    _first, second = certificates
    client.force_login(supervisor_s)
    response = client.get("/en/certificates/revocations.xlsx", **HOST)

    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [second.number]
    assert rows[1][11:] == ("已撤销", timezone.localdate().isoformat(), REASON)
    entry = AuditEntry.objects.get(action="certificates.export")
    assert (entry.data["kind"], entry.data["certificates"]) == ("revocations", 1)


def test_the_range_is_of_issue_dates_and_for_revocations_of_revocation_dates(certificates):
    today = timezone.localdate()
    assert len(list(certificate_rows(today, today)[1])) == 2
    assert list(certificate_rows(today + timedelta(days=1), None)[1]) == []
    assert list(certificate_rows(None, today - timedelta(days=1))[1]) == []
    assert len(list(revocation_rows(today, today)[1])) == 1
    assert list(revocation_rows(today + timedelta(days=1), None)[1]) == []


def test_a_bad_range_exports_nothing(certificates, client, supervisor_s):
    client.force_login(supervisor_s)
    response = client.get("/en/certificates/export.xlsx?from=2026-12-01&to=2026-11-01", **HOST)
    assert response.status_code == 302 and response.url.endswith("/certificates/")
    assert client.get("/en/certificates/export.csv?from=yesterday", **HOST).status_code == 302
    assert not AuditEntry.objects.filter(action="certificates.export").exists()


def test_only_supervisors_export(certificates, client, admin_alice):
    from tests.results.conftest import person_with

    for role, name in (("counter_clerk", "clerk_c"), ("examiner", "examiner_e")):
        client.force_login(person_with(role, name, admin_alice))
        for url in ("export.xlsx", "export.csv", "revocations.xlsx"):
            assert client.get(f"/en/certificates/{url}", **HOST).status_code == 403
    assert not AuditEntry.objects.filter(action="certificates.export").exists()


def test_the_results_export_carries_the_certificate_number_once_issued(passed):
    from skilleval.certificates.services import issue_certificates
    from skilleval.results.exports import results_rows

    issued = {c.application.person.full_name: c.number for c in issue_certificates(by=None)}
    headers, rows = results_rows()
    column = headers.index("证书编号")
    by_name = {row[0]: row[column] for row in rows}
    assert {name: by_name[name] for name in issued} == issued
    assert sorted(by_name.values()).count("") == len(rows) - len(issued)


def test_rows_are_read_as_the_file_is_written_and_a_row_under_verification_is_counted_out(
    certificates, client, supervisor_s, django_assert_num_queries
):
    first, second = certificates
    withheld: list[str] = []
    with django_assert_num_queries(0):  # nothing read yet: the rows come as the writer asks for them
        _headers, rows = certificate_rows(withheld=withheld)
    assert next(rows)[0] == first.number and withheld == []
    rows.close()  # its server-side cursor (PostgreSQL) closes with it

    retag = importlib.import_module("skilleval.certificates.migrations.0003_tag_covers_signature")
    with retag.trigger_lifted(_editor()):  # the signature changed behind the application's back
        Certificate.objects.filter(pk=second.pk).update(signature=flipped(second.signature))
    client.force_login(supervisor_s)
    response = client.get("/en/certificates/export.csv", **HOST)
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in lines[1:]] == [first.number]
    entry = AuditEntry.objects.get(action="certificates.export")
    assert (entry.data["certificates"], entry.data["withheld"]) == (1, 1)
    assert "1 certificate under verification was left out of the file." in [
        str(m) for m in response.wsgi_request._messages
    ]
