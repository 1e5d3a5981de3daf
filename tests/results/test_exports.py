"""The upload of published results for the national certificate database (技能人才评价工作网, DOMAIN.md §9):
its fields, the full ID number, formula injection neutralised, and every download audited without personal
data (SECURITY.md "Audit", "Input and files")."""

import csv
import io
from datetime import date

import openpyxl
import pytest

from skilleval.audit.models import AuditEntry
from skilleval.people.models import Person
from skilleval.results.exports import HEADERS, results_rows
from skilleval.results.models import Score
from skilleval.results.services import Entry, enter_scores, publish_session, verify_scores
from skilleval.scheduling.models import SeatAssignment

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
FORMULA_NAME = '=HYPERLINK("http://evil.example","点击")'


@pytest.fixture
def published(held, examiner_a, examiner_b, supervisor_s):
    """The three candidates' results published: the first passes, the second fails, the third was absent.
    The first has a name that an unwary spreadsheet would run as a formula."""
    _item, applications, sessions = held
    for kind, values in (("theory", ["70", "40", None]), ("practical", ["80.5", "90", None])):
        seats = SeatAssignment.objects.filter(session=sessions[kind]).order_by("seat_number")
        entries = [Entry(s.pk, v or "", v is None) for s, v in zip(seats, values, strict=True)]
        enter_scores(sessions[kind], entries, by=examiner_a)
        verify_scores(sessions[kind], by=examiner_b)
        publish_session(sessions[kind], by=supervisor_s)
    people = [a.person for a in applications]
    Person.objects.filter(pk=people[0].pk).update(full_name=FORMULA_NAME, sex="F")
    Person.objects.filter(pk=people[1].pk).update(sex="M")
    return applications


def test_the_workbook_has_the_national_fields_and_the_full_id_number(published, client, supervisor_s):
    client.force_login(supervisor_s)
    response = client.get("/en/results/export.xlsx", **HOST)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    by_id = {row[2]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    people = [Person.objects.get(applications=a) for a in published]
    assert set(by_id) == {p.id_number for p in people}  # the full number: this is the official upload

    first, second, third = (by_id[p.id_number] for p in people)
    assert first["姓名"] == FORMULA_NAME
    assert first["证件类型"] == "居民身份证" and first["性别"] == "女" and second["性别"] == "男"
    assert (first["职业编码"], first["等级"]) == ("4-04-05-01", "四级/中级工")
    assert (first["理论知识成绩"], first["操作技能成绩"], first["综合评审成绩"]) == ("70.0", "80.5", None)
    assert (first["评价结果"], second["评价结果"], third["评价结果"]) == ("合格", "不合格", "不合格")
    assert third["理论知识成绩"] == "缺考"
    assert first["考试日期"] == "2026-11-18" and first["评价机构备案号"] == "S000031400054"

    name_cell = next(row[0] for row in sheet.iter_rows(min_row=2) if row[0].value == FORMULA_NAME)
    assert (name_cell.data_type, name_cell.quotePrefix) == ("s", True)  # text, never a live formula

    entry = AuditEntry.objects.get(action="results.export")
    assert entry.actor_id == supervisor_s.pk
    assert entry.data == {"format": "xlsx", "from": None, "to": None, "results": 3, "withheld": 0}
    assert all(p.id_number not in str(entry.data) + entry.target_label for p in people)


def test_the_csv_opens_in_chinese_excel_and_neutralises_formulas(published, client, supervisor_s):
    client.force_login(supervisor_s)
    response = client.get("/en/results/export.csv?from=2026-11-01&to=2026-11-30", **HOST)

    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    people = [Person.objects.get(applications=a) for a in published]
    assert {row[2] for row in rows[1:]} == {p.id_number for p in people}
    assert "'" + FORMULA_NAME in {row[0] for row in rows[1:]}
    assert sorted(row[11] for row in rows[1:]) == ["不合格", "不合格", "合格"]
    entry = AuditEntry.objects.get(action="results.export")
    assert entry.data == {
        "format": "csv",
        "from": "2026-11-01",
        "to": "2026-11-30",
        "results": 3,
        "withheld": 0,
    }


def test_the_range_is_of_exam_dates(published):
    assert len(results_rows(date(2026, 11, 18), date(2026, 11, 18))[1]) == 3
    assert results_rows(date(2026, 11, 19), None)[1] == []
    assert results_rows(None, date(2026, 11, 17))[1] == []


def test_a_score_edited_behind_the_applications_back_is_withheld(published, client, supervisor_s):
    Score.objects.filter(application=published[1], subject="theory").update(value=95)  # not through a change

    withheld = []
    _headers, rows = results_rows(withheld=withheld)
    assert withheld == [published[1].number] and len(rows) == 2

    client.force_login(supervisor_s)
    client.get("/en/results/export.csv", **HOST)
    assert AuditEntry.objects.get(action="results.export").data["withheld"] == 1


def test_a_bad_date_is_refused_and_nothing_is_exported(published, client, supervisor_s):
    client.force_login(supervisor_s)
    response = client.get("/en/results/export.xlsx?from=2026-12-01&to=2026-11-01", **HOST)
    assert response.status_code == 302 and response.url.endswith("/results/")
    assert client.get("/en/results/export.csv?from=yesterday", **HOST).status_code == 302
    assert not AuditEntry.objects.filter(action="results.export").exists()


def test_only_supervisors_export(published, client, examiner_a):
    client.force_login(examiner_a)
    assert client.get("/en/results/export.xlsx", **HOST).status_code == 403
    assert client.get("/en/results/export.csv", **HOST).status_code == 403
    assert not AuditEntry.objects.filter(action="results.export").exists()
