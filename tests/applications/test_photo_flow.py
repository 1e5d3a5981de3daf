"""The 2-inch photo through the pages (issue 4): checked, re-encoded, sealed; the stored bytes are ours."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from skilleval.accounts.models import User
from skilleval.applications.models import Application
from skilleval.audit.models import AuditEntry
from skilleval.people.models import Person
from skilleval.people.services import photo_bytes
from tests.core.test_photos import encode, portrait

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


@pytest.fixture
def signed_in(client, li_ming):
    li_ming.photo_name = ""
    li_ming.save()
    li_ming.user = User.objects.create_user(username="liming", password="Li-ming-2026!")
    li_ming.save()
    client.force_login(li_ming.user)
    return client


def upload(client, data: bytes, name="photo.jpg"):
    return client.post("/me/photo/", {"photo": SimpleUploadedFile(name, data)}, **HOST)


def test_a_portrait_is_checked_re_encoded_and_kept(signed_in, li_ming):
    original = encode(portrait(), "JPEG", quality=95)
    response = upload(signed_in, original)
    assert response.status_code == 302
    li_ming.refresh_from_db()
    stored = photo_bytes(li_ming)
    assert stored != original and Image.open(io.BytesIO(stored)).format == "JPEG"
    assert AuditEntry.objects.filter(action="people.person.photo", target_id=str(li_ming.pk)).exists()
    assert signed_in.get("/me/photo.jpg", **HOST).content == stored


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: encode(portrait(people=2)), "一张"),  # two faces
        (lambda: encode(portrait(size=(600, 600))), "比例"),  # square: wrong aspect
        (lambda: b"MZ not an image at all", "格式"),
    ],
)
def test_a_bad_photo_is_refused_with_a_reason_and_nothing_changes(signed_in, li_ming, make, message):
    page = signed_in.post("/me/photo/", {"photo": SimpleUploadedFile("p.jpg", make())}, follow=True, **HOST)
    html = page.content.decode()
    assert message in html, html[html.find("messages") :][:400]
    assert Person.objects.get(pk=li_ming.pk).photo_name == ""


def test_a_counter_walk_in_with_a_fresh_photo(client, admin_alice, notice_2026, programmer_l4):
    from skilleval.accounts.roles import Role
    from skilleval.accounts.services import grant_role
    from tests.applications.test_counter_pages import walk_in

    clerk = User.objects.create_user(username="clerk", password="Clerk-pass-2026!")
    grant_role(clerk, Role.COUNTER_CLERK, by=admin_alice)
    client.force_login(clerk)
    data = walk_in(programmer_l4, photo=SimpleUploadedFile("p.jpg", encode(portrait())))
    response = client.post("/counter/", data, **HOST)
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get()
    assert application.status == "submitted" and application.person.photo_name
