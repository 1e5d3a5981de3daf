"""Certificates at the office and for the holder (issue 8, DOMAIN.md §11): issuing from the page, the
provincial numbers, revocation with a reason, pickup with the ID checked, mailing, the handover to an
institution with its signed list, and the holder's own PDF. Roles are separate and institutions and other
candidates get nothing (SECURITY.md "Access"); every file with personal data is audited ("Audit")."""

import csv
import io

import openpyxl
import pytest
from django.utils import timezone

from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.audit.models import AuditEntry
from skilleval.certificates.models import Certificate, Handover
from skilleval.certificates.services import hand_over, issue_certificates, revoke
from skilleval.people.models import Person
from tests.core.test_pdf_application_form import needs_poppler, pdf_text
from tests.results.conftest import person_with

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
BASE = "/en/certificates/"


@pytest.fixture
def clerk_c(admin_alice):
    return person_with(Role.COUNTER_CLERK, "clerk_c", admin_alice)


@pytest.fixture
def issued(passed):
    """The two who passed have their certificates, by application."""
    _item, applications = passed
    issue_certificates(by=None)
    return [Certificate.objects.get(application=a) for a in applications[:2]]


@pytest.fixture
def group(passed, school):
    """The two who passed applied through the school; the third (failed) alone."""
    _item, applications = passed
    Application.objects.filter(pk__in=[a.pk for a in applications[:2]]).update(
        institution=school, channel="group"
    )
    issue_certificates(by=None)
    return [Certificate.objects.get(application=a) for a in applications[:2]]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def follow(client, url, data=None) -> tuple[int, str]:
    response = client.post(url, data or {}, follow=True, **HOST)
    return response.status_code, " ".join(messages_of(response))


def signed_in_candidate(client, application, admin, name) -> User:
    user = User.objects.create_user(username=name, password="Candidate-pass-2026!")
    grant_role(user, Role.CANDIDATE, by=admin)
    Person.objects.filter(pk=application.person_id).update(user=user)
    client.force_login(user)
    return user


# -- issuing -------------------------------------------------------------------------------------------------


def test_a_supervisor_issues_the_waiting_certificates_from_the_page(passed, client, supervisor_s):
    _item, applications = passed
    client.force_login(supervisor_s)
    page = client.get(BASE, **HOST).content.decode()
    assert "Issue certificates" in page and "<b>2</b>" in page

    status, said = follow(client, f"{BASE}issue/")

    assert status == 200 and "2 certificates issued" in said
    assert set(Certificate.objects.values_list("application_id", flat=True)) == {
        applications[0].pk,
        applications[1].pk,
    }
    assert set(Application.objects.filter(certificate__isnull=False).values_list("status", flat=True)) == {
        Status.CERTIFIED
    }
    assert (
        AuditEntry.objects.filter(action="certificates.certificate.issue", actor_id=supervisor_s.pk).count()
        == 2
    )
    page = client.get(BASE, **HOST).content.decode()
    assert "<b>0</b>" in page and all(c.number in page for c in Certificate.objects.all())


def test_a_counter_clerk_reads_the_list_but_cannot_issue(passed, client, clerk_c):
    client.force_login(clerk_c)
    page = client.get(BASE, **HOST).content.decode()
    assert "Issue certificates" not in page
    assert client.post(f"{BASE}issue/", **HOST).status_code == 403
    assert not Certificate.objects.exists()


def test_the_list_is_searched_by_certificate_or_application_number(issued, client, clerk_c):
    first, second = issued
    client.force_login(clerk_c)
    page = client.get(BASE, {"q": first.application.number}, **HOST).content.decode()
    assert first.number in page and second.number not in page
    page = client.get(BASE, {"q": second.number[-6:]}, **HOST).content.decode()
    assert second.number in page and first.number not in page
    page = client.get(BASE, {"q": "nothing-like-it"}, **HOST).content.decode()
    assert "No certificate matches." in page


# -- one certificate: pickup, mail, revoke, PDF --------------------------------------------------------------


def test_a_counter_clerk_records_a_pickup_only_with_the_id_document_checked(issued, client, clerk_c):
    certificate = issued[0]
    client.force_login(clerk_c)
    url = f"{BASE}{certificate.number}/"
    assert "Record the pickup" in client.get(url, **HOST).content.decode()

    status, said = follow(client, f"{url}collect/")
    certificate.refresh_from_db()
    assert status == 200 and "ID document" in said and certificate.collection == "waiting"

    status, said = follow(client, f"{url}collect/", {"id_checked": "on"})
    certificate.refresh_from_db()
    assert "collected in person" in said
    assert (certificate.collection, certificate.collected_by) == ("in_person", clerk_c)
    assert (
        AuditEntry.objects.filter(action="certificates.collection.in_person", actor_id=clerk_c.pk).count()
        == 1
    )
    assert "Collected in person" in client.get(url, **HOST).content.decode()  # the history


def test_a_mailing_needs_the_tracking_number(issued, client, clerk_c):
    certificate = issued[1]
    client.force_login(clerk_c)
    url = f"{BASE}{certificate.number}/mail/"
    follow(client, url, {"tracking_number": "x"})
    certificate.refresh_from_db()
    assert certificate.collection == "waiting"
    follow(client, url, {"tracking_number": "SF1234567890"})
    certificate.refresh_from_db()
    assert (certificate.collection, certificate.collection_note) == ("mailed", "SF1234567890")


def test_revoking_needs_a_reason_and_is_for_supervisors(issued, client, clerk_c, supervisor_s):
    certificate = issued[0]
    url = f"{BASE}{certificate.number}/revoke/"
    client.force_login(clerk_c)
    assert client.post(url, {"reason": "材料造假"}, **HOST).status_code == 403

    client.force_login(supervisor_s)
    _status, said = follow(client, url, {"reason": "   "})
    certificate.refresh_from_db()
    assert "reason" in said and certificate.state == "valid"

    _status, said = follow(client, url, {"reason": "材料造假（附件 2 第 4.1 条）"})
    certificate.refresh_from_db()
    assert (certificate.state, certificate.revoke_reason) == ("revoked", "材料造假（附件 2 第 4.1 条）")
    assert certificate.revoked_by == supervisor_s and certificate.revoked_at is not None
    page = client.get(f"{BASE}{certificate.number}/", **HOST).content.decode()
    assert "材料造假" in page and "Revoke this certificate" not in page and "Record the pickup" not in page


def test_a_revoked_certificate_is_not_handed_out(issued, client, clerk_c, supervisor_s):
    certificate = revoke(issued[0], reason="冒名顶替", by=supervisor_s)
    client.force_login(clerk_c)
    follow(client, f"{BASE}{certificate.number}/collect/", {"id_checked": "on"})
    certificate.refresh_from_db()
    assert certificate.collection == "waiting"


def test_the_staff_download_is_the_certificate_and_is_audited(issued, client, clerk_c):
    certificate = issued[0]
    client.force_login(clerk_c)
    response = client.get(f"{BASE}{certificate.number}/certificate.pdf", **HOST)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="certificates.certificate.download")
    assert (entry.actor_id, entry.target_id, entry.data) == (clerk_c.pk, str(certificate.pk), {"by": "staff"})
    assert client.get(f"{BASE}S000031400054269999999/", **HOST).status_code == 404


# -- numbers from the provincial file ------------------------------------------------------------------------


def upload(rows, *, kind="csv"):
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out).writerows([["申报编号", "证书编号"], *rows])
        content = out.getvalue().encode("utf-8-sig")
    else:
        workbook = openpyxl.Workbook()
        for row in [["申报编号", "证书编号"], *rows]:
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        content = buffer.getvalue()
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"province.{kind}", content)


def test_an_import_with_one_bad_row_imports_nothing_and_names_the_row(passed, client, supervisor_s):
    _item, applications = passed
    yy = f"{timezone.localdate():%y}"
    client.force_login(supervisor_s)
    good = (applications[0].number, f"S000031400054{yy}4123456")
    bad = (applications[1].number, "S00003140005426412345")  # 21 characters
    response = client.post(f"{BASE}import/", {"file": upload([good, bad])}, **HOST)

    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was imported." in page and "row 3" in page
    assert "row 2" not in page
    assert not Certificate.objects.exists()

    rows = [good, (applications[1].number, f"S000031400054{yy}4123457")]
    _status, said = follow(client, f"{BASE}import/", {"file": upload(rows, kind="xlsx")})
    assert "2 certificates issued" in said
    assert sorted(Certificate.objects.values_list("number", "source")) == [
        (f"S000031400054{yy}4123456", "imported"),
        (f"S000031400054{yy}4123457", "imported"),
    ]


def test_a_file_that_is_not_a_spreadsheet_is_refused_before_any_row(passed, client, supervisor_s, clerk_c):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(supervisor_s)
    response = client.post(
        f"{BASE}import/", {"file": SimpleUploadedFile("p.xlsx", b"not a workbook")}, **HOST
    )
    assert "Nothing was imported." in response.content.decode() and not Certificate.objects.exists()
    client.force_login(clerk_c)
    assert client.get(f"{BASE}import/", **HOST).status_code == 403


# -- handover to an institution ------------------------------------------------------------------------------


def test_a_handover_records_the_receiver_and_moves_only_the_institutions_certificates(
    group, client, clerk_c, school
):
    from skilleval.accounts.models import Institution

    other = Institution.objects.create(name="浦东职业学院", uscc="91310115MA1K3YJ12X")
    client.force_login(clerk_c)
    page = client.get(f"{BASE}handover/", **HOST).content.decode()
    assert school.name in page
    page = client.get(f"{BASE}handover/", {"institution": school.pk}, **HOST).content.decode()
    assert all(c.number in page and c.person.id_number_masked in page for c in group)
    assert not any(c.person.id_number in page for c in group)

    data = {"institution": school.pk, "certificates": [c.pk for c in group], "receiver_name": "王老师"}
    follow(client, f"{BASE}handover/", data)  # not signed yet
    assert not Handover.objects.exists()

    _status, said = follow(client, f"{BASE}handover/", {**data, "receiver_signed": "on"})
    handover = Handover.objects.get()
    assert "2 certificates handed to 王老师" in said
    assert (handover.institution, handover.receiver_name, handover.handed_by) == (school, "王老师", clerk_c)
    assert {(c.collection, c.handover_id) for c in Certificate.objects.all()} == {
        ("institution", handover.pk)
    }

    # Another institution's page cannot take the school's certificates.
    follow(
        client,
        f"{BASE}handover/",
        {
            "institution": other.pk,
            "certificates": [group[0].pk],
            "receiver_name": "李",
            "receiver_signed": "on",
        },
    )
    assert Handover.objects.count() == 1


@needs_poppler
def test_the_handover_list_names_the_students_before_and_after(group, client, clerk_c, school, tmp_path):
    client.force_login(clerk_c)
    response = client.get(f"{BASE}handover/preview.pdf", {"institution": school.pk}, **HOST)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    text = pdf_text(response.content, tmp_path)
    people = [c.person for c in group]
    assert "证书交接清单" in text and school.name in text
    for certificate, person in zip(group, people, strict=True):
        assert certificate.number in text and person.full_name in text and person.id_number_masked in text
        assert person.id_number not in text

    handover = hand_over(school, group, receiver_name="王老师", receiver_signed=True, by=clerk_c)
    response = client.get(f"{BASE}handover/{handover.pk}.pdf", **HOST)
    text = pdf_text(response.content, tmp_path)
    assert "王老师" in text and all(p.full_name in text for p in people)
    assert list(
        AuditEntry.objects.filter(action="certificates.handover.export")
        .order_by("seq")
        .values_list("data", flat=True)
    ) == [
        {"document": "preview", "institution": school.pk, "certificates": 2},
        {"document": f"{handover.pk:06d}", "institution": school.pk, "certificates": 2},
    ]


# -- who may see what ----------------------------------------------------------------------------------------


def test_an_institution_user_cannot_reach_the_staff_pages(group, client, school_user, school):
    certificate = Certificate.objects.first()
    urls = [
        BASE,
        f"{BASE}{certificate.number}/",
        f"{BASE}{certificate.number}/certificate.pdf",
        f"{BASE}import/",
        f"{BASE}export.xlsx",
        f"{BASE}export.csv",
        f"{BASE}revocations.xlsx",
        f"{BASE}handover/",
        f"{BASE}handover/preview.pdf?institution={school.pk}",
    ]
    client.force_login(school_user)
    assert [client.get(url, **HOST).status_code for url in urls] == [403] * len(urls)
    assert (
        client.post(f"{BASE}{certificate.number}/collect/", {"id_checked": "on"}, **HOST).status_code == 403
    )
    client.logout()
    assert all(client.get(url, **HOST).status_code == 302 for url in urls)  # to the sign-in page
    assert not AuditEntry.objects.filter(
        action__in=["certificates.export", "certificates.handover.export"]
    ).exists()


# -- the holder ----------------------------------------------------------------------------------------------


def test_the_holder_sees_the_certificate_and_downloads_only_their_own_pdf(issued, client, admin_alice):
    first, second = issued
    holder = signed_in_candidate(client, first.application, admin_alice, "holder_one")
    page = client.get(f"/en/me/applications/{first.application.number}/", **HOST).content.decode()
    assert first.number in page and "Waiting at the counter" in page
    assert f"/en/certificates/mine/{first.number}.pdf" in page

    response = client.get(f"{BASE}mine/{first.number}.pdf", **HOST)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="certificates.certificate.download")
    assert (entry.actor_id, entry.data) == (holder.pk, {"by": "holder"})

    assert client.get(f"{BASE}mine/{second.number}.pdf", **HOST).status_code == 404
    assert client.get(f"{BASE}mine/S000031400054269999999.pdf", **HOST).status_code == 404
    signed_in_candidate(client, second.application, admin_alice, "holder_two")
    assert client.get(f"{BASE}mine/{first.number}.pdf", **HOST).status_code == 404
    assert AuditEntry.objects.filter(action="certificates.certificate.download").count() == 1


def test_the_holder_reads_where_the_certificate_went(group, client, admin_alice, school, clerk_c):
    first, second = group
    hand_over(school, [first], receiver_name="王老师", receiver_signed=True, by=clerk_c)
    signed_in_candidate(client, first.application, admin_alice, "holder_one")
    page = client.get(f"/en/me/applications/{first.application.number}/", **HOST).content.decode()
    assert f"Handed to your institution on {timezone.localdate():%Y-%m-%d}" in page
    signed_in_candidate(client, second.application, admin_alice, "holder_two")
    page = client.get(f"/en/me/applications/{second.application.number}/", **HOST).content.decode()
    assert "Waiting to be handed to your institution" in page


def test_a_failed_candidate_has_no_certificate_block(issued, passed, client, admin_alice):
    _item, applications = passed
    signed_in_candidate(client, applications[2], admin_alice, "failed_one")
    page = client.get(f"/en/me/applications/{applications[2].number}/", **HOST).content.decode()
    assert "Certificate number" not in page
