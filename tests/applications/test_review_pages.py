"""Reviewers work from a queue and decide with a reason (issue 4 "Review")."""

import pytest

from skilleval.accounts.models import User
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, Channel
from skilleval.applications.services import accept_pledge, start_application, submit_application
from skilleval.audit.models import AuditEntry
from tests.applications.conftest import PHOTO_JPEG, make_candidate

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


def submitted(person, item, **kwargs):
    application = start_application(person, item, by=None, **{"channel": Channel.ONLINE, **kwargs})
    accept_pledge(application, by=None)
    return submit_application(application, by=None)


@pytest.fixture
def waiting(li_ming, programmer_l4, school):
    wang = make_candidate(name="王芳", id_number="310101198505124561")
    return [
        submitted(li_ming, programmer_l4),
        submitted(wang, programmer_l4, channel=Channel.GROUP, institution=school),
    ]


@pytest.fixture
def rui_client(client, reviewer_rui):
    client.force_login(reviewer_rui)
    return client


def test_the_queue_lists_what_waits_and_filters_by_institution(rui_client, waiting, school):
    html = rui_client.get("/review/", **HOST).content.decode()
    assert waiting[0].number in html and waiting[1].number in html
    assert "110105199003071239" not in html  # no full ID numbers on screens
    filtered = rui_client.get(f"/review/?institution={school.pk}", **HOST).content.decode()
    assert waiting[1].number in filtered and waiting[0].number not in filtered


def test_a_reviewer_returns_an_application_with_a_reason(rui_client, waiting, reviewer_rui):
    number = waiting[0].number
    page = rui_client.get(f"/review/{number}/", **HOST)
    assert page.status_code == 200 and "L4-1" in page.content.decode()
    rui_client.post(f"/review/{number}/", {"decision": "return", "reason": "工作年限证明不清晰"}, **HOST)
    application = Application.objects.get(number=number)
    assert application.status == Status.RETURNED and application.decided_by == reviewer_rui
    assert application.decision_reason == "工作年限证明不清晰"


def test_a_decision_without_a_reason_changes_nothing(rui_client, waiting):
    number = waiting[0].number
    page = rui_client.post(f"/review/{number}/", {"decision": "reject", "reason": ""}, **HOST)
    assert page.status_code == 200
    assert Application.objects.get(number=number).status == Status.SUBMITTED


def test_bulk_approval_leaves_smuggled_numbers_alone(rui_client, waiting, programmer_l4):
    draft = start_application(
        make_candidate(name="赵六", id_number="310104200001010033"),
        programmer_l4,
        channel=Channel.COUNTER,
        by=None,
    )
    rui_client.post(
        "/review/bulk-approve/",
        {"numbers": [waiting[0].number, waiting[1].number, draft.number, "NOSUCH"]},
        **HOST,
    )
    statuses = dict(Application.objects.values_list("number", "status"))
    assert statuses[waiting[0].number] == statuses[waiting[1].number] == Status.APPROVED
    assert statuses[draft.number] == Status.DRAFT
    assert AuditEntry.objects.filter(action="applications.application.approved").count() == 2


def test_people_without_the_reviewer_role_are_refused(client, waiting, school_user):
    assert client.get("/review/", **HOST).status_code == 302  # to sign in
    client.force_login(school_user)
    assert client.get("/review/", **HOST).status_code == 403
    assert client.post(f"/review/{waiting[1].number}/", {"decision": "approve"}, **HOST).status_code == 403
    assert Application.objects.get(number=waiting[1].number).status == Status.SUBMITTED


def test_the_applicant_photo_is_served_only_to_staff(rui_client, waiting, client):
    assert rui_client.get(f"/review/{waiting[0].number}/photo.jpg", **HOST).content == PHOTO_JPEG
    stranger = User.objects.create_user(username="nobody", password="Nobody-2026!x")
    client.force_login(stranger)
    assert client.get(f"/review/{waiting[0].number}/photo.jpg", **HOST).status_code == 403
