"""Candidates and their facts (DOMAIN.md §3, §14; SECURITY.md "Personal data")."""

from datetime import date

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from skilleval.audit.models import AuditEntry
from skilleval.core.crypto import TamperedCiphertext
from skilleval.core.errors import DomainError
from skilleval.people.models import Ban, DocumentType, Person
from skilleval.people.services import (
    ProfileFacts,
    active_ban_until,
    find_person,
    register_person,
    replace_profile,
)
from skilleval.privacy.services import reveal

pytestmark = pytest.mark.django_db

ZHANG_ID = "11010519491231002X"
ZHANG_PHONE = "13812345678"


@pytest.fixture
def zhang(admin_alice):
    return register_person(
        full_name="张 三",
        id_type="resident_id",
        id_number="11010519491231002x",
        phone=ZHANG_PHONE,
        by=admin_alice,
    )


def test_registration_derives_birth_date_and_sex_and_masks(zhang):
    zhang.refresh_from_db()
    assert zhang.full_name == "张 三"
    assert zhang.id_number == ZHANG_ID  # lower-case x normalised, decrypted on load
    assert zhang.birth_date == date(1949, 12, 31)
    assert zhang.sex == "F"
    assert zhang.id_number_masked == "110105********002X"
    assert zhang.phone_masked == "138****5678"


def test_the_raw_table_holds_no_id_number_or_phone(zhang):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person")
        raw = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert ZHANG_ID not in raw and ZHANG_ID.lower() not in raw
    assert ZHANG_PHONE not in raw
    assert "19491231" not in raw


def test_the_audit_trail_holds_no_id_number(zhang):
    text = " ".join(str(e.data) + e.target_label for e in AuditEntry.objects.all())
    assert ZHANG_ID not in text and ZHANG_PHONE not in text


def test_a_person_is_found_by_id_number_through_the_blind_index(zhang):
    assert find_person("resident_id", "１１０１０５１９４９１２３１００２ｘ") == zhang  # full-width input
    with pytest.raises(FieldError, match="blind index"):
        Person.objects.filter(id_number=ZHANG_ID).exists()


def test_the_same_document_cannot_be_registered_twice(zhang, admin_alice):
    with pytest.raises(DomainError) as caught:
        register_person(full_name="李四", id_type="resident_id", id_number=ZHANG_ID, by=admin_alice)
    assert caught.value.code == "duplicate" and caught.value.field == "id_number"
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "check_digit"),
        ({"id_number": ZHANG_ID, "birth_date": date(1950, 1, 1)}, "birth_date", "birth_date_mismatch"),
        ({"id_number": ZHANG_ID, "phone": "12345"}, "phone", "format"),
        ({"id_number": ZHANG_ID, "full_name": "  "}, "full_name", "required"),
        ({"id_type": "passport", "id_number": "E12345678"}, "birth_date", "required"),
    ],
)
def test_bad_input_is_refused_on_its_field(admin_alice, kwargs, field, code):
    values = {"full_name": "王五", "id_type": "resident_id", **kwargs}
    with pytest.raises(DomainError) as caught:
        register_person(**values, by=admin_alice)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert not Person.objects.exists()


def test_a_tampered_ciphertext_raises_on_load(zhang):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_person WHERE id = %s", [zhang.pk])
        token = cursor.fetchone()[0]
        forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
        cursor.execute("UPDATE people_person SET id_number = %s WHERE id = %s", [forged, zhang.pk])
    with pytest.raises(TamperedCiphertext):
        Person.objects.get(pk=zhang.pk)


def test_revealing_the_full_number_needs_a_reason_and_is_audited(zhang, admin_alice):
    with pytest.raises(DomainError):
        reveal(zhang, "id_number", by=admin_alice, reason="")
    assert reveal(zhang, "id_number", by=admin_alice, reason="核对证件原件") == ZHANG_ID
    entry = AuditEntry.objects.get(action="privacy.reveal")
    assert entry.data == {"field": "id_number", "reason": "核对证件原件"}
    assert entry.actor_label == "alice"


def test_replacing_the_profile_states_all_facts_at_once(zhang, admin_alice):
    facts = ProfileFacts(
        education=(
            {"school_kind": "university", "major": "计算机科学与技术", "graduated_on": date(2012, 6, 30)},
        ),
        work=(
            {"occupation_code": "4-04-05-05", "start": date(2015, 7, 1)},
            {"occupation_code": "4-04-05-01", "start": date(2012, 7, 1), "end": date(2015, 6, 30)},
        ),
        certificates=({"occupation_code": "4-04-05-05", "level": 4, "issued_on": date(2021, 5, 20)},),
        titles=({"grade": "junior", "obtained_on": date(2019, 12, 1)},),
    )
    replace_profile(zhang, facts, by=admin_alice)
    replace_profile(zhang, facts, by=admin_alice)
    assert zhang.work.count() == 2 and zhang.education.count() == 1
    assert AuditEntry.objects.filter(action="people.profile.replace").count() == 2

    with pytest.raises(DomainError):
        replace_profile(
            zhang,
            ProfileFacts(
                work=({"occupation_code": "x", "start": date(2020, 1, 2), "end": date(2020, 1, 1)},)
            ),
            by=admin_alice,
        )
    assert zhang.work.count() == 2  # the refused change left the facts as they were


def test_an_active_ban_is_found_until_its_last_day(zhang):
    Ban.objects.create(person=zhang, until=date(2026, 12, 31), reason="3.1")
    assert active_ban_until(zhang, on=date(2026, 12, 31)) == date(2026, 12, 31)
    assert active_ban_until(zhang, on=date(2027, 1, 1)) is None


def test_document_types_agree_with_the_validators():
    from skilleval.core.validators import DocumentType as ValidatorTypes

    assert {t.value for t in ValidatorTypes} == set(DocumentType.values)


def test_private_files_are_sealed_and_bound_to_their_purpose(settings):
    from skilleval.privacy.files import delete_private, read_private, store_private

    photo = b"\xff\xd8\xff\xe0 pretend jpeg with 11010519491231002X"
    name = store_private(photo, purpose="people.person.photo")
    assert name.isalnum() and len(name) == 32
    from pathlib import Path

    stored = next(Path(settings.MEDIA_ROOT).rglob(name)).read_bytes()
    assert ZHANG_ID.encode() not in stored and b"\xff\xd8" not in stored
    assert read_private(name, purpose="people.person.photo") == photo
    with pytest.raises(TamperedCiphertext):
        read_private(name, purpose="applications.evidence")
    delete_private(name)
    with pytest.raises(FileNotFoundError):
        read_private(name, purpose="people.person.photo")
    with pytest.raises(ValueError):
        read_private("../../etc/passwd", purpose="x")
