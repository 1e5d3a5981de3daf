"""Evidence for the condition claimed (issue 4): type from the content, images re-encoded, sealed, guarded."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from skilleval.accounts.models import User
from skilleval.applications.evidence import add_evidence, evidence_bytes
from skilleval.applications.models import Channel, Evidence
from skilleval.applications.services import reject, start_application
from skilleval.audit.models import AuditEntry
from skilleval.core.errors import DomainError
from tests.applications.conftest import make_candidate

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (400, 300), (200, 200, 200))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x010E] = "home address 31.14N"  # ImageDescription, standing in for location data
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def draft(li_ming, programmer_l4):
    return start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)


def test_a_pdf_is_kept_sealed_and_an_image_loses_its_metadata(draft):
    pdf = add_evidence(draft, content=PDF, filename="毕业证.pdf", description="毕业证书", by=None)
    assert evidence_bytes(pdf) == PDF and pdf.content_type == "application/pdf"
    photo = add_evidence(draft, content=jpeg_with_gps(), filename="work.jpg", description="", by=None)
    cleaned = evidence_bytes(photo)
    assert b"CameraMaker" not in cleaned and b"31.14N" not in cleaned
    assert dict(Image.open(io.BytesIO(cleaned)).getexif()) == {}
    assert photo.description == "work.jpg"
    assert AuditEntry.objects.filter(action="applications.evidence.add").count() == 2


@pytest.mark.parametrize(
    "content", [b"MZ\x90\x00 an executable", b"<html>not a pdf</html>", b"\xff\xd8\xff broken"]
)
def test_other_content_is_refused_whatever_its_name(draft, content):
    with pytest.raises(DomainError):
        add_evidence(draft, content=content, filename="diploma.pdf", description="x", by=None)
    assert not Evidence.objects.exists()


def test_no_evidence_once_decided(draft, reviewer_rui):
    from skilleval.applications.services import accept_pledge, submit_application

    accept_pledge(draft, by=None)
    submit_application(draft, by=None)
    reject(draft, reviewer=reviewer_rui, reason="材料不实")
    draft.refresh_from_db()
    with pytest.raises(DomainError):
        add_evidence(draft, content=PDF, filename="late.pdf", description="x", by=None)


def test_the_candidate_uploads_and_only_they_and_staff_can_read_it(client, draft, li_ming, reviewer_rui):
    li_ming.user = User.objects.create_user(username="liming", password="Li-ming-2026!")
    li_ming.save()
    client.force_login(li_ming.user)
    client.post(
        f"/me/applications/{draft.number}/evidence/",
        {"description": "工作证明", "file": SimpleUploadedFile("proof.pdf", PDF)},
        **HOST,
    )
    evidence = Evidence.objects.get()
    assert client.get(f"/me/applications/{draft.number}/evidence/{evidence.pk}/", **HOST).content == PDF

    other = make_candidate(name="王芳", id_number="310101198505124561")
    other.user = User.objects.create_user(username="wangfang", password="Wang-fang-2026!")
    other.save()
    client.force_login(other.user)
    assert client.get(f"/me/applications/{draft.number}/evidence/{evidence.pk}/", **HOST).status_code == 404
    client.force_login(reviewer_rui)
    assert client.get(f"/review/{draft.number}/evidence/{evidence.pk}/", **HOST).content == PDF
