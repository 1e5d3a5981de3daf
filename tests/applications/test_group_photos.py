"""Photos for a group: a zip named by ID number (issue 4 "Institutions", "Bad input")."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from skilleval.applications.group_photos import start_photo_upload
from skilleval.applications.imports import import_group_file
from skilleval.applications.services import pre_review_batch, submit_batch
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from skilleval.jobs.models import JobProgress
from skilleval.people.models import Person
from tests.applications.test_group_import import GOOD, xlsx
from tests.core.test_photos import encode, portrait

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
ZHANG, LI, WANG = "11010519491231002X", "310101198505124561", "440304199812120011"


@pytest.fixture
def batch(school, school_user, notice_2026):
    return import_group_file(institution=school, user=school_user, data=xlsx(GOOD), filename="s.xlsx").batch


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_good_photos_attach_and_bad_ones_are_listed_by_file(batch, school_user):
    data = zipped(
        {
            f"学员照片/{ZHANG.lower()}.jpg": encode(portrait()),  # a top folder and lower-case x are fine
            f"{LI}.png": encode(portrait(), "PNG"),
            f"{WANG}.jpg": encode(portrait(people=2)),  # two faces
            "310101199901010000.jpg": encode(portrait()),  # nobody in this batch
            "readme.txt": b"hello",
        }
    )
    start_photo_upload(batch, data, by=school_user)
    batch.refresh_from_db()
    assert batch.photo_job.state == JobProgress.State.DONE and batch.photo_job.percent == 100
    report = batch.photo_report
    assert (report["files"], report["attached"]) == (5, 2)
    problems = {p["file"]: p for p in report["problems"]}  # named by ID number, kept masked
    assert set(problems) == {"440304********0011.jpg", "310101********0000.jpg", "readme.txt"}
    two_faces = problems["440304********0011.jpg"]
    assert "一张" in two_faces["message_zh"] and two_faces["message_en"]
    assert Person.objects.get(full_name="张三").photo_name and Person.objects.get(full_name="李四").photo_name
    assert not Person.objects.get(full_name="王五").photo_name
    assert AuditEntry.objects.filter(action="applications.batch.photos").exists()


def test_a_group_with_a_student_without_photo_cannot_be_submitted(batch, school_user):
    pre_review_batch(batch, by=school_user)
    with pytest.raises(DomainError) as caught:
        submit_batch(batch, by=school_user)
    assert caught.value.code == "photos_missing" and "3" in caught.value.message


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ({"../../etc/passwd.jpg": b"x"}, "unsafe_name"),
        ({"/abs/11010519491231002X.jpg": b"x"}, "unsafe_name"),
        ({"a/b/c/11010519491231002X.jpg": b"x"}, "unsafe_name"),
        ({"C:\\11010519491231002X.jpg": b"x"}, "unsafe_name"),
        ({"bomb.jpg": b"\x00" * (20 * 1024 * 1024)}, "entry_too_large"),
        ({"zeros.jpg": b"\x00" * (8 * 1024 * 1024)}, "ratio"),
    ],
)
def test_a_hostile_zip_is_refused_whole_and_changes_nothing(batch, school_user, files, code):
    with pytest.raises(DomainError) as caught:
        start_photo_upload(batch, zipped(files), by=school_user)
    assert caught.value.code == code
    batch.refresh_from_db()
    assert batch.photo_job is None and not Person.objects.exclude(photo_name="").exists()


def test_a_zip_with_a_header_that_lies_about_its_size_gives_no_photo(batch, school_user):
    data = bytearray(zipped({f"{ZHANG}.jpg": encode(portrait())}))
    # Shrink the declared size in the central directory: the entry then fails its checksum when read.
    offset = data.rfind(b"PK\x01\x02")
    size_at = offset + 24
    data[size_at : size_at + 4] = (100).to_bytes(4, "little")
    start_photo_upload(batch, bytes(data), by=school_user)
    batch.refresh_from_db()
    assert batch.photo_report["attached"] == 0 and len(batch.photo_report["problems"]) == 1


def test_not_a_zip_and_other_institutions_are_refused(batch, school_user, admin_alice):
    with pytest.raises(DomainError) as caught:
        start_photo_upload(batch, b"\x89PNG\r\n\x1a\nnot a zip", by=school_user)
    assert caught.value.code == "not_zip"
    from skilleval.accounts.models import Institution, User

    other = Institution.objects.create(name="徐汇培训中心", uscc="91310000132200821H")
    zhao = User.objects.create_user(username="zhao", password="Zhao-pass-2026!", institution=other)
    with pytest.raises(DomainError):
        start_photo_upload(batch, zipped({f"{ZHANG}.jpg": encode(portrait())}), by=zhao)


def test_the_batch_page_takes_the_zip_and_shows_the_report(client, batch, school_user):
    client.force_login(school_user)
    data = zipped({f"{ZHANG}.jpg": encode(portrait()), f"{WANG}.jpg": b"\xff\xd8\xff broken"})
    client.post(
        f"/institution/batches/{batch.pk}/photos/", {"file": SimpleUploadedFile("p.zip", data)}, **HOST
    )
    html = client.get(f"/institution/batches/{batch.pk}/", **HOST).content.decode()
    assert "440304********0011.jpg" in html and WANG not in html and "<progress" in html
