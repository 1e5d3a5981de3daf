"""A candidate applies online (issue 4 "Candidates"): sign up, facts, apply with the verdict, follow it."""

import pytest
from django.utils.html import escape

from skilleval.accounts.models import User
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.applications.services import return_for_correction
from skilleval.people.models import Person
from skilleval.privacy.files import store_private
from tests.applications.conftest import make_candidate

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
PASSWORD = "Li-Ming-2026!"
SIGN_UP = {
    "full_name": "李明",
    "id_type": "resident_id",
    "id_number": "110105199003071239",
    "phone": "139 1234 5678",
    "email": "",
    "password": PASSWORD,
    "password2": PASSWORD,
}


@pytest.fixture
def signed_up(client, notice_2026):
    response = client.post("/account/register/", SIGN_UP, **HOST)
    assert response.status_code == 302 and response["Location"] == "/me/"
    return Person.objects.get()


def test_signing_up_creates_the_account_and_the_candidate(signed_up, client):
    assert signed_up.user.groups.filter(name="candidate").exists()
    assert signed_up.phone_masked == "139****5678" and signed_up.birth_date.isoformat() == "1990-03-07"
    page = client.get("/me/", **HOST)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "110105********1239" in html and "110105199003071239" not in html


def test_the_candidate_signs_in_with_the_mobile_number(signed_up, client):
    client.logout()
    assert (
        client.post("/account/login/", {"username": "13912345678", "password": PASSWORD}, **HOST).status_code
        == 302
    )
    client.logout()
    wrong = client.post("/account/login/", {"username": "13912345678", "password": "nope"}, **HOST)
    assert wrong.status_code == 200 and "不正确" in wrong.content.decode()


def test_a_document_on_file_is_not_taken_over_by_sign_up(client, notice_2026):
    make_candidate()  # entered by an institution or the counter
    page = client.post("/account/register/", SIGN_UP, **HOST)
    assert page.status_code == 200
    assert User.objects.count() == 0


def test_the_candidate_applies_with_the_verdict_in_view(signed_up, client, programmer_l4):
    client.post(
        "/me/profile/",
        {
            **{
                f"{n}-TOTAL_FORMS": str(k)
                for n, k in (("education", 3), ("work", 4), ("certificates", 2), ("titles", 2))
            },
            **{f"{n}-INITIAL_FORMS": "0" for n in ("education", "work", "certificates", "titles")},
            "education-0-school_kind": "general_high",
            "education-0-graduated_on": "2008-07-01",
            "work-0-occupation": "4-04-05-01",
            "work-0-start": "2017-07-01",
        },
        **HOST,
    )
    assert signed_up.work.count() == 1
    signed_up.photo_name = store_private(b"jpeg", purpose="people.person.photo")
    signed_up.save()

    page = client.get(f"/me/apply/?item={programmer_l4.pk}", **HOST).content.decode()
    assert escape("L4-1 满足") in page

    response = client.post(
        "/me/apply/", {"item": programmer_l4.pk, "pledge": "on", "condition": "L4-1"}, **HOST
    )
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/me/applications/{application.number}/"
    assert application.status == Status.SUBMITTED and application.channel == "online"
    assert application.pledge_version and application.claimed_condition == "L4-1"
    detail = client.get(response["Location"], **HOST).content.decode()
    assert "已提交" in detail


def test_without_the_pledge_nothing_is_submitted(signed_up, client, programmer_l4):
    client.post("/me/apply/", {"item": programmer_l4.pk, "condition": "L4-1"}, **HOST)
    assert not Application.objects.exists()


def test_a_returned_application_is_resubmitted_from_its_page(signed_up, client, programmer_l4, reviewer_rui):
    signed_up.photo_name = store_private(b"jpeg", purpose="people.person.photo")
    signed_up.save()
    client.post("/me/apply/", {"item": programmer_l4.pk, "pledge": "on"}, **HOST)
    application = Application.objects.get()
    return_for_correction(application, reviewer=reviewer_rui, reason="请补充学历证明")
    page = client.get(f"/me/applications/{application.number}/", **HOST).content.decode()
    assert "请补充学历证明" in page
    client.post(f"/me/applications/{application.number}/resubmit/", **HOST)
    assert Application.objects.get().status == Status.SUBMITTED


def test_a_candidate_cannot_see_anothers_application(signed_up, client, programmer_l4):
    other = make_candidate(name="王芳", id_number="310101198505124561")
    from skilleval.applications.services import start_application

    theirs = start_application(other, programmer_l4, channel="counter", by=None)
    assert client.get(f"/me/applications/{theirs.number}/", **HOST).status_code == 404
    client.post(f"/me/applications/{theirs.number}/withdraw/", **HOST)
    assert Application.objects.get(pk=theirs.pk).status == Status.DRAFT


def test_the_portal_needs_sign_in(client, notice_2026):
    response = client.get("/me/", **HOST)
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
