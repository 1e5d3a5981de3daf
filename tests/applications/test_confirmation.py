"""Students an institution uploaded confirm their own data before they can be scheduled (issue 4; PIPL)."""

import re

import pytest

from skilleval.applications.imports import import_group_file
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, ConfirmationCode
from skilleval.applications.services import _move, approve, pre_review_batch, submit_batch
from skilleval.core.errors import DomainError
from skilleval.notifications.models import Message
from tests.applications.conftest import give_photos
from tests.applications.test_group_import import GOOD, xlsx

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


@pytest.fixture
def submitted_batch(school, school_user, notice_2026, django_capture_on_commit_callbacks):
    batch = import_group_file(
        institution=school, user=school_user, data=xlsx([GOOD[0]]), filename="a.xlsx"
    ).batch
    give_photos(batch)
    pre_review_batch(batch, by=school_user)
    with django_capture_on_commit_callbacks(execute=True):
        submit_batch(batch, by=school_user)
    return batch


def the_code() -> str:
    message = Message.objects.get(topic="application.confirm_data")
    assert message.channel == "sms" and message.address_masked == "138****8000"
    return re.search(r"确认码 ([A-Z2-9]{8})", message.body).group(1)


def test_a_student_confirms_with_the_code_and_can_then_be_scheduled(client, submitted_batch, reviewer_rui):
    application = Application.objects.get()
    approve(application, reviewer=reviewer_rui)
    _move(application, Status.PAID, by=None)
    with pytest.raises(DomainError) as caught:
        _move(application, Status.SCHEDULED, by=None)
    assert caught.value.code == "data_unconfirmed"

    code = the_code()
    page = client.post(
        "/confirm/",
        {"id_type": "resident_id", "id_number": "11010519491231002X", "code": code, "agree": "on"},
        **HOST,
    )
    assert application.number in page.content.decode()
    application.refresh_from_db()
    assert application.data_confirmed_at is not None
    assert ConfirmationCode.objects.get().used_at is not None
    _move(application, Status.SCHEDULED, by=None)
    assert Application.objects.get().status == Status.SCHEDULED


def test_wrong_codes_use_up_the_tries(client, submitted_batch):
    form = {"id_type": "resident_id", "id_number": "11010519491231002X", "agree": "on"}
    for _try in range(5):
        page = client.post("/confirm/", {**form, "code": "WRONGCODE"}, **HOST)
        assert "不正确" in page.content.decode()
    client.post("/confirm/", {**form, "code": the_code()}, **HOST)  # the right code, too late
    assert Application.objects.get().data_confirmed_at is None


def test_a_code_does_not_work_with_another_id_number(client, submitted_batch):
    page = client.post(
        "/confirm/",
        {"id_type": "resident_id", "id_number": "310101198505124561", "code": the_code(), "agree": "on"},
        **HOST,
    )
    assert page.status_code == 200 and Application.objects.get().data_confirmed_at is None
