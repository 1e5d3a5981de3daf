from datetime import date

import pytest

from skilleval.accounts.models import Institution, User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.catalog.models import CatalogItem
from skilleval.people.models import Person
from skilleval.people.services import ProfileFacts, register_person, replace_profile
from skilleval.privacy.files import store_private


@pytest.fixture
def programmer_l4(notice_2026):
    return CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)


@pytest.fixture
def reviewer_rui(admin_alice):
    user = User.objects.create_user(username="rui", password="Rui-pass-2026!")
    grant_role(user, Role.REVIEWER, by=admin_alice)
    return user


@pytest.fixture
def school(admin_alice):
    return Institution.objects.create(
        name="静安区职业技术学校", uscc="9131010642502952X1", contact_email="office@school.example"
    )


@pytest.fixture
def school_user(school, admin_alice):
    user = User.objects.create_user(username="teacher_wang", password="Wang-pass-2026!", institution=school)
    grant_role(user, Role.INSTITUTION, by=admin_alice)
    return user


def _photo_jpeg() -> bytes:
    """A plain 295 × 413 JPEG standing in for a checked photo (the checks have their own tests)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (295, 413), (236, 240, 245)).save(out, "JPEG", quality=80)
    return out.getvalue()


PHOTO_JPEG = _photo_jpeg()


def make_candidate(*, name="李明", id_number="110105199003071239", by=None) -> Person:
    """An adult with senior high school and eight years of programming work: eligible for level 4 (L4-1)."""
    person = register_person(
        full_name=name,
        id_type="resident_id",
        id_number=id_number,
        phone="13912345678",
        email="liming@example.com",
        by=by,
    )
    replace_profile(
        person,
        ProfileFacts(
            education=({"school_kind": "general_high", "graduated_on": date(2008, 7, 1)},),
            work=({"occupation_code": "4-04-05-01", "start": date(2017, 7, 1)},),
        ),
        by=by,
    )
    person.photo_name = store_private(PHOTO_JPEG, purpose="people.person.photo")
    person.save(update_fields=["photo_name"])
    return person


@pytest.fixture
def li_ming(notice_2026):
    return make_candidate()


def give_photos(batch) -> None:
    """Attach the stand-in photo to every student of a batch (the zip path has its own tests)."""
    for person in Person.objects.filter(applications__batch=batch).distinct():
        person.photo_name = store_private(PHOTO_JPEG, purpose="people.person.photo")
        person.save(update_fields=["photo_name"])
