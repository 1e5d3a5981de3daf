"""The institution portal (issue 4 "Institutions"): template, upload, errors, pre-review, submit."""

import io

import openpyxl
import pytest

from skilleval.accounts.models import Institution, User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, GroupBatch
from skilleval.notifications.models import Message
from tests.applications.conftest import give_photos
from tests.applications.test_group_import import GOOD, xlsx

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


@pytest.fixture
def wang(client, school_user, notice_2026):
    client.force_login(school_user)
    return client


def upload(client, data, name="学员.xlsx"):
    return client.post("/institution/upload/", {"file": _named(data, name)}, **HOST)


def _named(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def test_the_template_has_the_columns(wang):
    response = wang.get("/institution/template.xlsx", **HOST)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["姓名", "证件类型", "证件号码"]


def test_upload_pre_review_and_submit_a_group(wang, school, django_capture_on_commit_callbacks):
    response = upload(wang, xlsx(GOOD))
    batch = GroupBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/institution/batches/{batch.pk}/"
    page = wang.get(response["Location"], **HOST).content.decode()
    assert "11010519491231002X" not in page and "110105********002X" in page
    give_photos(batch)
    wang.post(f"/institution/batches/{batch.pk}/pre-review/", {"note": "已核对学籍"}, **HOST)
    with django_capture_on_commit_callbacks(execute=True):
        wang.post(f"/institution/batches/{batch.pk}/submit/", **HOST)
    assert set(Application.objects.values_list("status", flat=True)) == {Status.SUBMITTED}
    # The institution hears of its students' changes, as do the students.
    assert Message.objects.filter(address_masked__endswith="@school.example").exists()


def test_a_bad_file_shows_errors_and_gives_the_annotated_file_back(wang):
    rows = [list(r) for r in GOOD]
    rows[1][2] = "310101198505124562"
    page = upload(wang, xlsx(rows)).content.decode()
    assert "证件号码" in page and "校验码" in page
    assert not GroupBatch.objects.exists()
    report = wang.get("/institution/upload/errors.xlsx", **HOST)
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    last_header = sheet.cell(row=1, column=sheet.max_column).value
    assert "错误" in last_header
    assert "校验码" in (sheet.cell(row=3, column=sheet.max_column).value or "")


def test_another_institution_cannot_reach_the_batch(client, wang, school, admin_alice):
    upload(wang, xlsx(GOOD))
    batch = GroupBatch.objects.get()
    other = Institution.objects.create(name="徐汇培训中心", uscc="91310000132200821H")
    zhao = User.objects.create_user(username="zhao", password="Zhao-pass-2026!", institution=other)
    grant_role(zhao, Role.INSTITUTION, by=admin_alice)
    client.force_login(zhao)
    assert client.get(f"/institution/batches/{batch.pk}/", **HOST).status_code == 404
    assert client.post(f"/institution/batches/{batch.pk}/pre-review/", **HOST).status_code == 404
    assert GroupBatch.objects.get().state == GroupBatch.State.CREATED
    assert client.get("/institution/upload/errors.xlsx", **HOST).status_code == 404


def test_the_portal_is_for_institution_users(client, reviewer_rui, notice_2026):
    client.force_login(reviewer_rui)
    assert client.get("/institution/", **HOST).status_code == 403


def test_an_institution_prints_its_students_forms_and_not_anothers(client, wang, school, admin_alice):
    upload(wang, xlsx(GOOD))
    ours = Application.objects.first()
    assert (
        wang.get(f"/institution/applications/{ours.number}/form.pdf", **HOST)["Content-Type"]
        == "application/pdf"
    )
    other = Institution.objects.create(name="徐汇培训中心", uscc="91310000132200821H")
    zhao = User.objects.create_user(username="zhao", password="Zhao-pass-2026!", institution=other)
    grant_role(zhao, Role.INSTITUTION, by=admin_alice)
    client.force_login(zhao)
    assert client.get(f"/institution/applications/{ours.number}/form.pdf", **HOST).status_code == 404
    assert client.get("/institution/", **HOST).content.decode().count("学员.xlsx") == 0
