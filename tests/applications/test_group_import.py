"""Group applications from an institution's file (issue 4 "Institutions"; SECURITY.md "Input and files")."""

import io
from datetime import date

import openpyxl
import pytest

from skilleval.applications.imports import COLUMNS, import_group_file
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Channel, GroupBatch
from skilleval.applications.services import start_application
from skilleval.audit.models import AuditEntry
from skilleval.audit.services import verify_chain
from skilleval.catalog.models import CatalogItem
from skilleval.people.models import Ban, Person
from tests.applications.conftest import make_candidate

pytestmark = pytest.mark.django_db

HEADER = [c.label for c in COLUMNS]
GOOD = [
    # In the order of COLUMNS: name, ID type and number, mobile, e-mail, occupation, work type, level,
    # condition, school kind, major, graduated, graduating, work from/to, certificate level and date,
    # title and date, forfeit.
    [
        "张三",
        "居民身份证",
        "11010519491231002X",
        "13800138000",
        "",
        "4-04-05-05",
        "",
        "四级",
        "L4-1",
        "普通高中",
        "",
        "1968-07-01",
        "",
        "2015-07-01",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "李四",
        "",
        "310101198505124561",
        "",
        "lisi@example.com",
        "4-04-04-02",
        "网络安全管理员",
        "3",
        "L3-5",
        "普通高等学校",
        "网络工程",
        "2008-07-01",
        "否",
        "2008-07-01",
        "",
        "4",
        "2020-05-20",
        "",
        "",
        "",
    ],
    [
        "王五",
        "",
        "440304199812120011",
        "13900139000",
        "",
        "4-04-05-01",
        "",
        "四级/中级工",
        "",
        "高等职业学校",
        "软件技术",
        "",
        "是",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]


def xlsx(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_gb18030(rows) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def test_a_good_file_creates_a_batch_of_drafts_in_one_go(school, school_user, notice_2026):
    result = import_group_file(institution=school, user=school_user, data=xlsx(GOOD), filename="学员.xlsx")
    assert result.ok and result.errors == []
    batch = result.batch
    assert batch.rows == 3 and batch.state == GroupBatch.State.CREATED
    applications = Application.objects.filter(batch=batch).select_related("person", "work_type")
    assert applications.count() == 3
    assert {a.status for a in applications} == {Status.DRAFT}
    assert {a.channel for a in applications} == {Channel.GROUP}
    li = applications.get(person__full_name="李四")
    assert li.work_type.name == "网络安全管理员" and li.level == 3 and li.claimed_condition == "L3-5"
    assert li.person.certificates.get().level == 4
    assert li.person.education.get().major == "网络工程"
    wang = applications.get(person__full_name="王五").person
    assert wang.education.get().graduating is True
    assert Person.objects.get(full_name="张三").phone_masked == "138****8000"
    assert AuditEntry.objects.filter(action="applications.application.create").count() == 3
    assert verify_chain() is None


def test_chinese_excel_csv_in_gb18030_is_read(school, school_user, notice_2026):
    result = import_group_file(
        institution=school, user=school_user, data=csv_gb18030(GOOD), filename="学员.csv"
    )
    assert result.ok, [e.message_zh for e in result.errors]
    assert Person.objects.filter(full_name="王五").exists()


def test_the_same_file_twice_makes_one_batch(school, school_user, notice_2026):
    data = xlsx(GOOD)
    first = import_group_file(institution=school, user=school_user, data=data, filename="a.xlsx")
    again = import_group_file(institution=school, user=school_user, data=data, filename="a-again.xlsx")
    assert again.duplicate and again.batch == first.batch
    assert GroupBatch.objects.count() == 1 and Application.objects.count() == 3


def test_a_file_with_any_error_writes_nothing_and_says_where(school, school_user, notice_2026):
    rows = [list(r) for r in GOOD]
    rows[1][2] = "310101198505124562"  # wrong check digit
    rows[2][7] = "六级"  # no such level
    rows[0][13], rows[0][14] = "2016-01-01", "2015-01-01"  # work ends before it starts
    result = import_group_file(institution=school, user=school_user, data=xlsx(rows), filename="bad.xlsx")
    assert not result.ok
    where = {(e.row, e.column) for e in result.errors}
    assert (3, "证件号码") in where and (4, "等级") in where and (2, "相关工作截止") in where
    assert all(e.message_zh and e.message_en for e in result.errors)
    assert (
        not Person.objects.exists() and not Application.objects.exists() and not GroupBatch.objects.exists()
    )


def test_duplicates_in_the_file_and_against_open_applications_are_errors(school, school_user, notice_2026):
    rows = [GOOD[0], GOOD[0]]
    result = import_group_file(institution=school, user=school_user, data=xlsx(rows), filename="dup.xlsx")
    assert [e.code for e in result.errors] == ["duplicate_in_file"] and result.errors[0].row == 3

    person = make_candidate(name="王五", id_number="440304199812120011")
    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    start_application(person, item, channel=Channel.COUNTER, by=None)
    result = import_group_file(
        institution=school, user=school_user, data=xlsx([GOOD[2]]), filename="open.xlsx"
    )
    assert [e.code for e in result.errors] == ["duplicate_open"]


def test_a_banned_student_is_refused(school, school_user, notice_2026):
    person = make_candidate(name="王五", id_number="440304199812120011")
    Ban.objects.create(person=person, until=date(2099, 12, 31), reason="4.4")
    result = import_group_file(
        institution=school, user=school_user, data=xlsx([GOOD[2]]), filename="ban.xlsx"
    )
    assert [e.code for e in result.errors] == ["banned"]


def test_another_institutions_student_cannot_be_smuggled_in(school, school_user, notice_2026, admin_alice):
    from skilleval.accounts.models import Institution

    other = Institution.objects.create(name="徐汇培训中心", uscc="91310000132200821H")
    person = make_candidate(name="王五", id_number="440304199812120011")
    item = CatalogItem.objects.get(occupation__code="4-04-05-05", level=4)
    start_application(person, item, channel=Channel.GROUP, institution=other, by=None)
    before = list(person.work.values_list("start", flat=True))
    result = import_group_file(institution=school, user=school_user, data=xlsx([GOOD[2]]), filename="x.xlsx")
    assert [e.code for e in result.errors] == ["other_institution"]
    assert list(person.work.values_list("start", flat=True)) == before  # their facts are untouched


def test_hostile_files_are_refused_without_writing(school, school_user, notice_2026):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    result = import_group_file(institution=school, user=school_user, data=png, filename="students.csv")
    assert result.errors and not GroupBatch.objects.exists()
    formula = xlsx([['=HYPERLINK("http://x")', *GOOD[0][1:]]])
    result = import_group_file(institution=school, user=school_user, data=formula, filename="f.xlsx")
    assert result.errors and result.errors[0].code == "formula"


def test_the_row_limit_is_the_policy_value(school, school_user, notice_2026, admin_alice):
    from skilleval.organization.services import set_policy

    set_policy("import.max_rows", 2, effective_from=date(2026, 1, 1), by=admin_alice)
    result = import_group_file(institution=school, user=school_user, data=xlsx(GOOD), filename="big.xlsx")
    assert [e.code for e in result.errors] == ["too_many_rows"]


def test_the_templates_example_row_is_not_imported(school, school_user, notice_2026):
    from skilleval.applications.imports import COLUMNS

    example = [c.example for c in COLUMNS]
    result = import_group_file(
        institution=school, user=school_user, data=xlsx([example, GOOD[1]]), filename="t.xlsx"
    )
    assert result.ok and Application.objects.count() == 1
    assert not Person.objects.filter(full_name="张三").exists()


def test_rows_inserted_with_reserved_ids_leave_ordinary_inserts_room(school, school_user, notice_2026):
    """The import gives people and applications their ids before inserting; later inserts go on above."""
    import_group_file(institution=school, user=school_user, data=xlsx(GOOD[:2]), filename="a.xlsx")
    later = make_candidate(name="赵六", id_number="310104200001010033")
    assert later.pk > max(Person.objects.exclude(pk=later.pk).values_list("pk", flat=True))
    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    application = start_application(later, item, channel=Channel.COUNTER, by=None)
    assert application.pk > max(Application.objects.exclude(pk=application.pk).values_list("pk", flat=True))


def test_a_student_under_the_minimum_age_is_refused(school, school_user, notice_2026):
    from django.utils import timezone

    W, M = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], "10X98765432"
    body = f"310101{timezone.localdate().year - 15}0101001"
    young = body + M[sum(int(c) * w for c, w in zip(body, W, strict=True)) % 11]
    row = [*GOOD[0][:2], young, *GOOD[0][3:]]
    result = import_group_file(institution=school, user=school_user, data=xlsx([row]), filename="y.xlsx")
    assert [e.code for e in result.errors] == ["age"] and "16" in result.errors[0].message_zh
