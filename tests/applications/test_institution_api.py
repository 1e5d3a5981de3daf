"""Institution endpoints: token auth scoped to one institution (issue 4 "API"; SECURITY.md tenants)."""

import json

import pytest

from skilleval.accounts.models import ApiToken, Institution, User
from skilleval.accounts.services import grant_role, issue_api_token, revoke_api_token
from skilleval.applications.models import Channel
from skilleval.applications.services import start_application
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from tests.applications.conftest import give_photos, make_candidate
from tests.eligibility.test_eligibility_api import EXAMPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(school_user, admin_alice):
    _token, raw = issue_api_token(school_user, name="教务系统", by=admin_alice)
    return raw


@pytest.fixture
def other_school(admin_alice):
    return Institution.objects.create(name="徐汇培训中心", uscc="91310000132200821H")


def call(client, method, url, token=None, body=None):
    headers = {"HTTP_HOST": "127.0.0.1"}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_an_institution_sees_only_its_own_applications(client, token, school, other_school, programmer_l4):
    ours = start_application(
        make_candidate(), programmer_l4, channel=Channel.GROUP, institution=school, by=None
    )
    theirs = start_application(
        make_candidate(name="王芳", id_number="310101198505124561"),
        programmer_l4,
        channel=Channel.GROUP,
        institution=other_school,
        by=None,
    )
    rows = call(client, "get", "/api/v1/institution/applications", token).json()
    assert [r["number"] for r in rows] == [ours.number]
    assert rows[0]["id_number_masked"] == "110105********1239" and rows[0]["status"] == "draft"
    assert theirs.number not in json.dumps(rows)


def test_without_a_valid_token_the_answer_is_401(client, token, school_user, admin_alice):
    assert call(client, "get", "/api/v1/institution/applications").status_code == 401
    assert call(client, "get", "/api/v1/institution/applications", "sk_wrong").status_code == 401
    revoke_api_token(ApiToken.objects.get(), by=admin_alice)
    assert call(client, "get", "/api/v1/institution/applications", token).status_code == 401
    assert AuditEntry.objects.filter(action="accounts.api_token.revoke").exists()


def test_only_the_hash_of_a_token_is_stored(token):
    stored = ApiToken.objects.get()
    assert token not in (stored.token_hash, stored.prefix) and stored.prefix == token[:8]


def test_tokens_are_for_institution_users_only(reviewer_rui, admin_alice):
    with pytest.raises(DomainError):
        issue_api_token(reviewer_rui, name="x", by=admin_alice)


def test_precheck_answers_each_student_and_flags_bad_ones(client, token, notice_2026):
    bad = {**EXAMPLE, "id_number": "110105194912310021"}
    rows = call(client, "post", "/api/v1/institution/precheck", token, [EXAMPLE, bad]).json()
    assert rows[0]["result"]["eligible"] is True and rows[0]["errors"] is None
    assert rows[1]["result"] is None and "id_number" in rows[1]["errors"]


def test_a_deactivated_user_token_stops_working(client, token, school_user):
    User.objects.filter(pk=school_user.pk).update(is_active=False)
    assert call(client, "get", "/api/v1/institution/applications", token).status_code == 401


def test_a_token_of_a_user_moved_to_another_institution_stops_working(
    client, token, school_user, other_school
):
    User.objects.filter(pk=school_user.pk).update(institution=other_school)
    assert call(client, "get", "/api/v1/institution/applications", token).status_code == 401


def test_an_empty_precheck_is_a_422(client, token):
    response = call(client, "post", "/api/v1/institution/precheck", token, [])
    assert response.status_code == 422 and response.json()["errors"]["__all__"]


def upload(client, token, data, name="students.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/api/v1/institution/batches",
        {"file": SimpleUploadedFile(name, data)},
        HTTP_HOST="127.0.0.1",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_program_uploads_reviews_and_submits_a_group(client, token, school, notice_2026):
    from skilleval.applications.models import GroupBatch
    from tests.applications.test_group_import import GOOD, xlsx

    data = xlsx(GOOD)
    response = upload(client, token, data)
    assert response.status_code == 201
    batch_id = response.json()["batch"]["id"]
    again = upload(client, token, data)
    assert again.status_code == 200 and again.json()["batch"] == {
        **response.json()["batch"],
        "duplicate": True,
    }
    give_photos(GroupBatch.objects.get(pk=batch_id))
    call(client, "post", f"/api/v1/institution/batches/{batch_id}/pre-review", token, {"note": "已初审"})
    body = call(client, "post", f"/api/v1/institution/batches/{batch_id}/submit", token, {}).json()
    assert body["state"] == "submitted" and GroupBatch.objects.get().state == "submitted"
    rows = call(client, "get", f"/api/v1/institution/applications?batch_id={batch_id}", token).json()
    assert {r["status"] for r in rows} == {"submitted"} and len(rows) == 3


def test_a_bad_file_answers_422_with_row_and_column(client, token, notice_2026):
    from tests.applications.test_group_import import GOOD, xlsx

    rows = [list(r) for r in GOOD]
    rows[0][2] = "11010519491231002Y"
    body = upload(client, token, xlsx(rows)).json()
    assert body["ok"] is False and body["errors"][0]["row"] == 2 and body["errors"][0]["column"] == "证件号码"


def test_another_institutions_batch_is_a_404_through_the_api(
    client, token, other_school, admin_alice, notice_2026
):
    from skilleval.applications.imports import import_group_file
    from skilleval.applications.models import GroupBatch
    from tests.applications.test_group_import import GOOD, xlsx

    zhao = User.objects.create_user(username="zhao", password="Zhao-pass-2026!", institution=other_school)
    from skilleval.accounts.roles import Role

    grant_role(zhao, Role.INSTITUTION, by=admin_alice)
    theirs = import_group_file(institution=other_school, user=zhao, data=xlsx(GOOD), filename="b.xlsx").batch
    assert call(client, "get", f"/api/v1/institution/batches/{theirs.pk}", token).status_code == 404
    call(client, "post", f"/api/v1/institution/batches/{theirs.pk}/pre-review", token, {})
    assert GroupBatch.objects.get(pk=theirs.pk).state == GroupBatch.State.CREATED
