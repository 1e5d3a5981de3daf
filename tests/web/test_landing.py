"""After signing in, staff land on the dashboard (issue 11); institution users and candidates on their
pages."""

import pytest

from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from tests.applications.conftest import school, school_user  # noqa: F401

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


@pytest.mark.parametrize(
    ("role", "landing"),
    [(Role.CASHIER, "/dashboard/"), (Role.SUPERVISOR, "/dashboard/"), (Role.CANDIDATE, "/me/")],
)
def test_each_user_lands_on_their_own_home(client, admin_alice, role, landing):
    user = User.objects.create_user(username=f"u_{role}", password="Landing-pass-2026!")
    grant_role(user, role, by=admin_alice)
    client.force_login(user)
    response = client.get("/welcome/", **HOST)
    assert response.status_code == 302 and response["Location"] == landing


def test_an_institution_user_lands_on_the_institution_page(client, school_user):  # noqa: F811 - a fixture
    client.force_login(school_user)
    assert client.get("/welcome/", **HOST)["Location"] == "/institution/"


def test_signing_in_goes_through_the_landing(client, admin_alice):
    User.objects.create_user(username="cashier_li", password="Landing-pass-2026!")
    grant_role(User.objects.get(username="cashier_li"), Role.CASHIER, by=admin_alice)
    response = client.post(
        "/account/login/", {"username": "cashier_li", "password": "Landing-pass-2026!"}, **HOST
    )
    assert response.status_code == 302 and response["Location"] == "/welcome/"
