"""The counter enters a walk-in's application under the same rules (issue 4 "Counter")."""

import pytest

from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.people.models import Person

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


@pytest.fixture
def clerk_client(client, admin_alice):
    clerk = User.objects.create_user(username="clerk_chen", password="Chen-pass-2026!")
    grant_role(clerk, Role.COUNTER_CLERK, by=admin_alice)
    client.force_login(clerk)
    return client


def walk_in(item, **overrides):
    data = {
        "full_name": "李明",
        "id_type": "resident_id",
        "id_number": "110105199003071239",
        "phone": "13912345678",
        "item": item.pk,
        "condition": "l4-1",
        "notice_signed": "on",
        "photo_checked": "on",
        "originals_checked": "on",
        "pledge": "on",
        **{
            f"{n}-TOTAL_FORMS": str(k)
            for n, k in (("education", 3), ("work", 4), ("certificates", 2), ("titles", 2))
        },
        **{f"{n}-INITIAL_FORMS": "0" for n in ("education", "work", "certificates", "titles")},
        "education-0-school_kind": "general_high",
        "education-0-graduated_on": "2008-07-01",
        "work-0-occupation": "4-04-05-01",
        "work-0-start": "2017-07-01",
    }
    data.update(overrides)
    return data


def test_a_clerk_submits_a_walk_in_with_the_checks_recorded(clerk_client, li_ming, programmer_l4):
    # 李明 is on file with a photo (taken at an earlier visit); the clerk enters today's application.
    response = clerk_client.post("/counter/", walk_in(programmer_l4), **HOST)
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/counter/{application.number}/"
    assert application.channel == "counter" and application.status == Status.SUBMITTED
    assert application.notice_signed_checked and application.photo_checked and application.originals_checked
    assert application.claimed_condition == "L4-1"
    assert application.checked_by.username == "clerk_chen"
    clerk_client.post(f"/counter/{application.number}/form-signed/", **HOST)
    assert Application.objects.get().form_signed_at is not None


def test_a_refused_walk_in_keeps_nothing(clerk_client, notice_2026, programmer_l4):
    # A new person with no photo: submission is refused, and the person entered on the way is not kept.
    page = clerk_client.post("/counter/", walk_in(programmer_l4), **HOST)
    assert page.status_code == 200
    assert not Person.objects.exists() and not Application.objects.exists()


def test_a_bad_id_number_is_shown_on_its_field(clerk_client, notice_2026, programmer_l4):
    page = clerk_client.post("/counter/", walk_in(programmer_l4, id_number="110105199003071230"), **HOST)
    assert "has-error" in page.content.decode()
    assert not Person.objects.exists()


def test_only_clerks_use_the_counter(client, reviewer_rui, notice_2026):
    client.force_login(reviewer_rui)
    assert client.get("/counter/", **HOST).status_code == 403
