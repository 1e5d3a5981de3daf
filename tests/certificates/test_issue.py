"""Issuing certificates (issue 8, DOMAIN.md §11): who gets one, the 22-character number without gaps, the
signed statement, immutability except revocation, provincial numbers, collection."""

import importlib
import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.utils import timezone

from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application
from skilleval.audit.models import AuditEntry
from skilleval.certificates import signing
from skilleval.certificates.models import Certificate, CertificateCounter
from skilleval.certificates.services import (
    collect_in_person,
    hand_over,
    import_numbers,
    issue_certificates,
    mail,
    revoke,
    trustworthy,
)
from skilleval.core.errors import DomainError
from skilleval.privacy.fields import blind_index
from tests.core.test_pdf_application_form import needs_poppler, page_image, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """The refusals are read in English here (they are translated; the Chinese is checked by the catalog)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def test_passed_candidates_get_numbered_signed_certificates_and_become_certified(passed):
    _item, applications = passed
    issued = issue_certificates(by=None)
    assert sorted(c.application_id for c in issued) == [applications[0].pk, applications[1].pk]
    yy = f"{timezone.localdate():%y}"
    assert [c.number for c in sorted(issued, key=lambda c: c.number)] == [
        f"S000031400054{yy}4000001",
        f"S000031400054{yy}4000002",
    ]
    assert set(Application.objects.filter(certificate__isnull=False).values_list("status", flat=True)) == {
        Status.CERTIFIED
    }
    assert Application.objects.get(pk=applications[2].pk).status == Status.FAILED
    certificate = issued[0]
    fields = signing.check(signing.qr_url(certificate.statement, certificate.signature))
    assert fields["number"] == certificate.number and fields["name"] == certificate.person.full_name
    assert "*" in fields["id_masked"] and fields["level"] == "4" and fields["work_type"] == "--"
    assert trustworthy(certificate)
    assert issue_certificates(by=None) == []  # a second run issues nothing
    assert AuditEntry.objects.filter(action="certificates.certificate.issue").count() == 2


def test_no_certificate_before_the_notice_period_is_over(held, examiner_a, examiner_b, supervisor_s):
    from tests.results.test_scores import mark_all

    mark_all(held, ["70", "80", "90"], ["72", "80", "90"], examiner_a, examiner_b, supervisor_s)
    assert issue_certificates(by=None) == []


def flipped(signature: str) -> str:
    """The signature with one character changed."""
    return signature[:10] + ("B" if signature[10] == "A" else "A") + signature[11:]


def test_a_signature_or_a_row_that_was_tampered_with_is_caught(passed):
    certificate = issue_certificates(by=None)[0]
    text, signature = certificate.statement, certificate.signature
    forged = text.replace(certificate.person.full_name, "王五")
    assert signing.check(signing.payload(forged, signature)) is None
    assert signing.check(signing.payload(text, flipped(signature))) is None
    assert signing.check("garbage") is None


def test_the_integrity_tag_covers_the_signature(passed):
    # SECURITY.md "Audit and integrity": a row edited behind the application's back is not trusted. The tag
    # covers the signature, so a changed signature is caught without an Ed25519 check on every lookup.
    certificate = issue_certificates(by=None)[0]
    assert trustworthy(certificate)
    signature = certificate.signature
    certificate.signature = flipped(signature)
    assert not trustworthy(certificate)
    certificate.signature, certificate.statement = signature, certificate.statement + " "
    assert not trustworthy(certificate)


def _editor():
    """What the migration's functions use of a schema editor, usable inside the test's transaction."""
    from types import SimpleNamespace

    from django.db import connection

    def execute(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    return SimpleNamespace(connection=connection, execute=execute)


def test_migration_0003_retags_only_rows_that_were_trustworthy(passed):
    from django.apps import apps

    retag = importlib.import_module("skilleval.certificates.migrations.0003_tag_covers_signature")
    first, second = issue_certificates(by=None)[:2]
    retag.backwards(apps, _editor())  # as the rows were before 0003: tags without the signature
    rows = {c.pk: c for c in Certificate.objects.all()}
    assert not any(trustworthy(c) for c in rows.values())
    assert rows[first.pk].tag == retag._old_tag(rows[first.pk], blind_index)
    # The second row's signature was changed behind the application's back while the old tag stood.
    with retag.trigger_lifted(_editor()):
        Certificate.objects.filter(pk=second.pk).update(signature=flipped(second.signature))

    retag.forwards(apps, _editor())

    assert trustworthy(Certificate.objects.get(pk=first.pk))
    assert not trustworthy(Certificate.objects.get(pk=second.pk))  # not laundered by the new tag
    assert Certificate.objects.get(pk=second.pk).tag == retag._old_tag(rows[second.pk], blind_index)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():  # the trigger is back
        Certificate.objects.filter(pk=first.pk).update(tag="0" * 64)


def test_an_issued_certificate_only_changes_by_revocation_and_is_never_deleted(passed, admin_alice):
    certificate = issue_certificates(by=None)[0]
    for change in (
        {"number": "S000031400054264999999"},
        {"issued_on": certificate.issued_on - timedelta(days=1)},
    ):
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            Certificate.objects.filter(pk=certificate.pk).update(**change)
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).delete()
    with pytest.raises(DomainError):
        revoke(certificate, reason=" ", by=admin_alice)
    revoked = revoke(certificate, reason="材料造假（附件 2 第 4.1 条）", by=admin_alice)
    assert revoked.state == "revoked" and revoked.revoked_at is not None
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(state="valid", revoked_at=None, revoke_reason="")
    assert AuditEntry.objects.filter(action="certificates.certificate.revoke").count() == 1


def test_numbers_from_the_provincial_file_are_checked_before_any_is_used(passed):
    _item, applications = passed
    yy = f"{timezone.localdate():%y}"
    good = [
        (applications[0].number, f"S000031400054{yy}4123456"),
        (applications[1].number, f"S000031400054{yy}4123457"),
    ]
    for rows, expected in [
        ([good[0], (applications[1].number, "S00003140005426412345")], "22"),  # 21 characters
        ([good[0], (applications[1].number, good[0][1])], "already used"),
        ([good[0], (applications[1].number, f"S000031499999{yy}4123457")], "filing"),
        ([good[0], (applications[1].number, f"S000031400054{yy}3123457")], "level"),
        ([good[0], (applications[2].number, f"S000031400054{yy}4123457")], "not waiting"),
    ]:
        with pytest.raises(DomainError) as caught:
            import_numbers(rows, by=None)
        assert "row 3" in caught.value.message and expected in caught.value.message
        assert not Certificate.objects.exists()
    imported = import_numbers(good, by=None)
    assert {c.source for c in imported} == {"imported"} and not CertificateCounter.objects.exists()


def test_collection_by_the_institution_in_person_or_by_mail_is_recorded(passed, school, admin_alice):
    _item, applications = passed
    Application.objects.filter(pk=applications[0].pk).update(institution=school, channel="group")
    first, second = sorted(issue_certificates(by=None), key=lambda c: c.application_id)
    with pytest.raises(DomainError) as caught:
        hand_over(school, [first, second], receiver_name="王老师", receiver_signed=True, by=admin_alice)
    assert caught.value.code == "tenant"
    with pytest.raises(DomainError):
        hand_over(school, [first], receiver_name="王老师", receiver_signed=False, by=admin_alice)
    handover = hand_over(school, [first], receiver_name="王老师", receiver_signed=True, by=admin_alice)
    first.refresh_from_db()
    assert (first.collection, first.handover, first.collection_note) == ("institution", handover, "王老师")
    with pytest.raises(DomainError):
        collect_in_person(second, id_checked=False, by=admin_alice)
    with pytest.raises(DomainError):
        mail(second, tracking_number="x", by=admin_alice)
    assert mail(second, tracking_number="SF1234567890", by=admin_alice) == 1
    assert collect_in_person(second, id_checked=True, by=admin_alice) == 0  # already mailed: nothing changes
    assert AuditEntry.objects.filter(action__startswith="certificates.collection.").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_issuers_at_once_leave_no_gap_and_no_repeat(notice_2026):
    from datetime import datetime

    from skilleval.applications.models import Application
    from skilleval.catalog.models import CatalogItem
    from skilleval.results.models import Result
    from tests.scheduling.factories import seed_paid

    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    ids = seed_paid(item, 100, submitted=timezone.make_aware(datetime(2026, 10, 3, 9)))
    Application.objects.filter(pk__in=ids).update(status=Status.PUBLISHED)
    today = timezone.localdate()
    Result.objects.bulk_create(
        Result(
            application_id=pk,
            passed=True,
            exam_date=today,
            original_exam_date=today,
            published_at=timezone.now(),
            notice_until=today,
            valid_until=today,
            closed_at=timezone.now(),
            tag="-",
        )
        for pk in ids
    )
    barrier, errors = threading.Barrier(20), []

    def issue(chunk):
        try:
            barrier.wait()
            issue_certificates(chunk, by=None)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(ids[i::20],)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    serials = sorted(int(n[-6:]) for n in Certificate.objects.values_list("number", flat=True))
    assert serials == list(range(1, 101))


@needs_poppler
def test_the_certificate_pdf_carries_the_fields_and_a_qr_code_that_verifies(passed, tmp_path):
    import zxingcpp

    from skilleval.certificates.documents import certificate_pdf

    certificate = sorted(issue_certificates(by=None), key=lambda c: c.number)[0]
    pdf = certificate_pdf(certificate)
    text = pdf_text(pdf, tmp_path)
    for expected in (
        "职业技能等级证书",
        certificate.number,
        certificate.person.full_name,
        "四级/中级工",
        certificate.person.id_number,
        "jndj.osta.org.cn",
    ):
        assert expected in text
    (code,) = zxingcpp.read_barcodes(page_image(pdf, tmp_path, dpi=150))
    assert signing.check(code.text)["number"] == certificate.number


def test_an_application_twice_in_the_provincial_file_is_named_and_padded_cells_are_trimmed(passed):
    _item, applications = passed
    yy = f"{timezone.localdate():%y}"
    with pytest.raises(DomainError) as caught:
        import_numbers(
            [
                (applications[0].number, f"S000031400054{yy}4123456"),
                (applications[0].number, f"S000031400054{yy}4123457"),
            ],
            by=None,
        )
    assert "row 3" in caught.value.message and "twice" in caught.value.message
    (imported,) = import_numbers([(f" {applications[0].number} ", f" s000031400054{yy}4123456 ")], by=None)
    assert imported.number == f"S000031400054{yy}4123456"


def test_a_revoked_certificate_is_not_handed_out(passed, admin_alice):
    certificate = issue_certificates(by=None)[0]
    revoke(certificate, reason="材料造假", by=admin_alice)
    assert mail(certificate, tracking_number="SF1234567890", by=admin_alice) == 0
    certificate.refresh_from_db()
    assert certificate.collection == "waiting"
