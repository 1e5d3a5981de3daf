"""The first administrator's one-time password must be changed before anything else."""

import pytest

from skilleval.accounts.models import User
from skilleval.accounts.services import ensure_first_admin
from tests.accounts.signin import sign_in

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


def test_the_one_time_password_must_be_changed_first(client):
    password = ensure_first_admin()
    sign_in(client, User.objects.get(username="admin"), password)
    response = client.get("/admin/", **HOST)
    assert response.status_code == 302 and response["Location"] == "/admin/password_change/"

    new = "Zhang-San-2026-safe!"
    response = client.post(
        "/admin/password_change/",
        {"old_password": password, "new_password1": new, "new_password2": new},
        **HOST,
    )
    assert response.status_code == 302
    admin = User.objects.get(username="admin")
    assert not admin.must_change_password and admin.check_password(new)
    assert client.get("/admin/", **HOST).status_code == 200


def test_a_password_with_too_few_character_classes_is_refused(client):
    password = ensure_first_admin()
    sign_in(client, User.objects.get(username="admin"), password)
    response = client.post(
        "/admin/password_change/",
        {"old_password": password, "new_password1": "zhangsanfeng", "new_password2": "zhangsanfeng"},
        **HOST,
    )
    assert response.status_code == 200  # the form again, with the error
    assert User.objects.get(username="admin").must_change_password
