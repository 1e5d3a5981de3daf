"""Retention (SECURITY.md "Personal data"): each category has a period (policies `retention.*`); the purge
anonymises what expired, deletes its files and logs what it did; certificates, results, discipline and the
audit trail stay."""

from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone
from freezegun import freeze_time

from skilleval.accounts.models import Institution, User
from skilleval.applications.evidence import add_evidence
from skilleval.applications.group_photos import ZIP_PURPOSE
from skilleval.applications.imports import REPORT_PURPOSE
from skilleval.applications.lifecycle import Status
from skilleval.applications.models import Application, ApplicationEvent, Channel, Evidence, GroupBatch
from skilleval.applications.services import (
    accept_pledge,
    approve,
    reject,
    start_application,
    submit_application,
)
from skilleval.audit.models import AuditEntry
from skilleval.audit.services import verify_chain
from skilleval.certificates.models import Certificate, Verification
from skilleval.certificates.services import issue_certificates
from skilleval.jobs.models import JobProgress
from skilleval.notifications.models import Message
from skilleval.notifications.retention import SentMessages
from skilleval.notifications.services import notify
from skilleval.organization.services import set_policy
from skilleval.people.models import Ban, EducationRecord, Person, WorkRecord
from skilleval.people.services import register_candidate_account
from skilleval.privacy.files import store_private
from skilleval.privacy.models import PurgeRun
from skilleval.privacy.retention import BadPeriod, cutoff_for, run_purge
from skilleval.scheduling.models import Ticket
from skilleval.web.retention import categories, purge_expired
from skilleval.web.tasks import purge_expired_job
from tests.applications.conftest import PHOTO_JPEG, li_ming, make_candidate, programmer_l4, reviewer_rui  # noqa: F401
from tests.certificates.conftest import passed  # noqa: F401
from tests.results.conftest import EXAM_DAY, calendar, examiner_a, examiner_b, held, supervisor_s  # noqa: F401
from tests.scheduling.factories import id_number

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PHOTO = "people.person.photo"


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    """A media directory of this test's own: the sweep of left-over files sees no other test's files."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def on_disk(name: str) -> bool:
    return (Path(settings.MEDIA_ROOT) / "private" / name[:2] / name).exists()


def later(**delta) -> datetime:
    return timezone.now() + timedelta(**delta)


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    """Run the purge as of `now`, with the file deletions that follow each commit."""

    def run(now: datetime, **kwargs) -> PurgeRun:
        with django_capture_on_commit_callbacks(execute=True):
            return purge_expired(now=now, **kwargs)

    return run


@pytest.fixture
def rejected(li_ming, programmer_l4, reviewer_rui):  # noqa: F811
    """Li Ming applied with a diploma as evidence and was rejected."""
    application = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    accept_pledge(application, by=None)
    add_evidence(application, content=PDF, filename="毕业证.pdf", description="毕业证书", by=None)
    submit_application(application, by=None)
    return reject(application, reviewer=reviewer_rui, reason="工作年限不足")


@pytest.fixture
def approved(programmer_l4, reviewer_rui):  # noqa: F811
    """Wang Fang's application is approved and her fee is due: open, so nothing of hers may go."""
    person = make_candidate(name="王芳", id_number=id_number(7))
    application = start_application(person, programmer_l4, channel=Channel.ONLINE, by=None)
    accept_pledge(application, by=None)
    add_evidence(application, content=PDF, filename="证明.pdf", description="工作证明", by=None)
    submit_application(application, by=None)
    return approve(application, reviewer=reviewer_rui)


# -- applications that never reached an exam, and the people nothing keeps ---------------------------------


def test_a_rejected_application_loses_its_evidence_and_facts_after_a_year(rejected, approved, purge):
    evidence = Evidence.objects.get(application=rejected)
    kept_evidence = Evidence.objects.get(application=approved)

    purge(later(days=300))  # within the year: nothing goes
    assert Evidence.objects.filter(pk=evidence.pk).exists() and on_disk(evidence.file_name)

    run = purge(later(days=370))
    rejected.refresh_from_db()
    assert not Evidence.objects.filter(application=rejected).exists()
    assert not on_disk(evidence.file_name)
    assert rejected.eligibility == {}
    # The application itself, its history and the reviewer's reason stay.
    assert rejected.status == Status.REJECTED and rejected.decision_reason == "工作年限不足"
    assert ApplicationEvent.objects.filter(application=rejected, to_status=Status.REJECTED).exists()
    assert run.counts["applications.closed"] == {"rows": 1, "files": 1}
    # The open application keeps everything.
    assert on_disk(kept_evidence.file_name)
    assert Application.objects.get(pk=approved.pk).eligibility["eligible"] is True


def test_a_person_nothing_keeps_loses_contact_photo_and_facts_but_not_name_or_id(rejected, approved, purge):
    li = Person.objects.get(pk=rejected.person_id)
    identity = (li.full_name, li.id_number, li.id_number_index, li.id_number_masked, li.birth_date)
    photo = li.photo_name

    run = purge(later(days=370))
    li.refresh_from_db()
    assert (li.phone, li.phone_index, li.phone_masked, li.email) == ("", "", "", "")
    assert (li.photo_name, li.photo_sha256) == ("", "") and not on_disk(photo)
    assert not EducationRecord.objects.filter(person=li).exists()
    assert not WorkRecord.objects.filter(person=li).exists()
    assert (li.full_name, li.id_number, li.id_number_index, li.id_number_masked, li.birth_date) == identity
    assert run.counts["people.inactive"] == {"rows": 1, "files": 1}
    # Wang Fang's application is open: she keeps everything.
    wang = Person.objects.get(pk=approved.person_id)
    assert wang.phone == "13912345678" and on_disk(wang.photo_name) and wang.work.exists()


def test_a_person_within_the_period_or_banned_is_untouched(rejected, purge):
    li = Person.objects.get(pk=rejected.person_id)
    purge(later(days=300))
    li.refresh_from_db()
    assert li.phone == "13912345678" and on_disk(li.photo_name)

    Ban.objects.create(person=li, until=date(2027, 12, 31), reason="4.4 替考", source="JD-2026-001")
    purge(later(days=800))
    li.refresh_from_db()
    assert li.phone == "13912345678" and on_disk(li.photo_name)


def test_an_unused_candidate_account_is_closed_with_the_rest(notice_2026, purge):
    user = register_candidate_account(
        full_name="赵磊",
        id_type="resident_id",
        id_number=id_number(8),
        phone="13812345678",
        email="zhaolei@example.com",
        password="Zhao-lei-2026!x",
    )
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())

    purge(later(days=300))
    user.refresh_from_db()
    assert user.is_active and user.email == "zhaolei@example.com"

    purge(later(days=370))
    user.refresh_from_db()
    assert not user.is_active and user.email == "" and not user.has_usable_password()
    assert Person.objects.get(user=user).phone_masked == ""


def test_certificate_holders_certificates_and_results_stay(passed, purge):  # noqa: F811
    _item, applications = passed
    issue_certificates(by=None)
    certificates = {c.pk: model_to_dict(c) for c in Certificate.objects.all()}
    holders = {a.person_id for a in applications[:2]}
    failed = Person.objects.get(pk=applications[2].person_id)  # results valid two years: make-up possible
    failed.photo_name = store_private(PHOTO_JPEG, purpose=PHOTO)  # the factory shares one photo file
    failed.save(update_fields=["photo_name"])
    holder_photos = set(Person.objects.filter(pk__in=holders).values_list("photo_name", flat=True))

    purge(later(days=400))
    failed.refresh_from_db()
    assert on_disk(failed.photo_name) and failed.email  # results still valid for a make-up

    purge(later(days=5 * 366))
    failed.refresh_from_db()
    assert failed.photo_name == "" and failed.email == ""
    for person in Person.objects.filter(pk__in=holders):
        assert person.email and person.photo_name
    assert all(on_disk(name) for name in holder_photos)
    assert {c.pk: model_to_dict(c) for c in Certificate.objects.all()} == certificates
    assert Application.objects.get(pk=applications[2].pk).result.passed is False


# -- the log: one PurgeRun row and one audit entry per run; the audit trail itself stays --------------------


def test_each_run_is_logged_with_its_counts_and_cutoffs_and_the_audit_trail_is_intact(rejected, purge):
    before = list(AuditEntry.objects.order_by("seq").values("seq", "hash"))
    now = later(days=370)

    run = purge(now)
    assert PurgeRun.objects.get() == run
    assert run.state == PurgeRun.State.DONE and run.finished_at is not None
    assert run.channel == "system"
    assert run.cutoffs["applications.closed"] == {
        "policy": "retention.closed_applications",
        "period": {"years": 1},
        "cutoff": cutoff_for({"years": 1}, now=now).isoformat(),
    }
    assert set(run.counts) == {c.name for c in categories()}
    entry = AuditEntry.objects.get(action="privacy.purge.run")
    assert entry.target_id == str(run.pk) and entry.outcome == "success"
    assert entry.data["counts"]["applications.closed"] == {"rows": 1, "files": 1}
    assert entry.data["counts"]["people.inactive"] == {"rows": 1, "files": 1}
    # Earlier audit rows are all there, unchanged, and the chain verifies.
    assert list(
        AuditEntry.objects.filter(seq__lte=before[-1]["seq"]).order_by("seq").values("seq", "hash")
    ) == (before)
    assert verify_chain() is None


def test_a_second_run_purges_nothing(rejected, purge):
    now = later(days=370)
    first = purge(now)
    second = purge(now + timedelta(hours=1))
    assert first.rows >= 2
    assert second.rows == 0 and second.files == 0
    assert AuditEntry.objects.filter(action="privacy.purge.run").count() == 2


def test_a_dry_run_counts_and_changes_nothing(rejected, django_capture_on_commit_callbacks):
    evidence = Evidence.objects.get(application=rejected)
    audit_rows = AuditEntry.objects.count()
    out = StringIO()
    with freeze_time(later(days=370)), django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired", "--dry-run", stdout=out)
    assert "applications.closed: would purge 1 rows" in out.getvalue()
    assert "people.inactive: would purge 1 rows" in out.getvalue()
    assert "dry run: nothing changed" in out.getvalue()
    assert not PurgeRun.objects.exists() and AuditEntry.objects.count() == audit_rows
    assert Evidence.objects.filter(pk=evidence.pk).exists() and on_disk(evidence.file_name)
    assert Person.objects.get(pk=rejected.person_id).phone == "13912345678"


def test_the_command_purges_and_says_what_it_did(rejected, django_capture_on_commit_callbacks):
    out = StringIO()
    with freeze_time(later(days=370)), django_capture_on_commit_callbacks(execute=True):
        call_command("purge_expired", stdout=out)
    assert "applications.closed: purged 1 rows, 1 files" in out.getvalue()
    run = PurgeRun.objects.get()
    assert run.channel == "command" and run.started_by is None
    assert AuditEntry.objects.get(action="privacy.purge.run").channel == "command"


def test_the_background_job_runs_the_purge_and_finishes_its_progress(rejected, admin_alice):
    result = purge_expired_job.enqueue(admin_alice.pk)  # the test settings run jobs at once
    progress = JobProgress.objects.get(task_id=result.id)
    assert progress.state == JobProgress.State.DONE and progress.total == len(categories())
    run = PurgeRun.objects.get()
    assert run.channel == "job" and run.started_by == admin_alice
    assert AuditEntry.objects.get(action="privacy.purge.run").actor_label == "alice"


# -- periods are policies ---------------------------------------------------------------------------------


def sent_message(days_ago: int) -> Message:
    message = notify(channel="sms", address="13912345678", topic="test", body="您的验证码 482913")
    Message.objects.filter(pk=message.pk).update(
        state=Message.State.SENT, created_at=timezone.now() - timedelta(days=days_ago)
    )
    return message


def test_a_shorter_period_takes_effect_from_its_date(notice_2026, admin_alice, purge):
    message = sent_message(days_ago=100)
    queued = notify(channel="sms", address="13800000000", topic="test", body="排队中")
    Message.objects.filter(pk=queued.pk).update(created_at=timezone.now() - timedelta(days=400))

    purge(timezone.now())  # six months: kept
    assert Message.objects.get(pk=message.pk).address == "13912345678"

    set_policy("retention.messages", {"days": 90}, effective_from=timezone.localdate(), by=admin_alice)
    run = purge(timezone.now())
    message.refresh_from_db()
    assert (message.address, message.address_masked, message.body) == ("", "", "")
    assert message.topic == "test" and message.state == Message.State.SENT
    assert run.cutoffs["notifications.messages"]["period"] == {"days": 90}
    assert Message.objects.get(pk=queued.pk).address == "13800000000"  # never sent: not cleared


def test_the_verification_log_is_kept_six_months_whatever_the_policy(notice_2026, admin_alice, purge):
    recent, old = (
        Verification.objects.create(client="c" * 64, query="q" * 64, channel="page", outcome="miss")
        for _ in range(2)
    )
    Verification.objects.filter(pk=recent.pk).update(at=timezone.now() - timedelta(days=30))
    Verification.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=200))
    set_policy("retention.verification_log", {"days": 1}, effective_from=timezone.localdate(), by=admin_alice)

    run = purge(timezone.now())
    assert list(Verification.objects.values_list("pk", flat=True)) == [recent.pk]
    assert run.cutoffs["certificates.verifications"]["floor"] == {"months": 6}


def test_a_bad_period_fails_before_anything_changes(rejected, admin_alice, purge):
    set_policy("retention.messages", {"weeks": 3}, effective_from=timezone.localdate(), by=admin_alice)
    with pytest.raises(BadPeriod):
        purge(later(days=370))
    assert not PurgeRun.objects.exists() and Evidence.objects.filter(application=rejected).exists()


@pytest.mark.parametrize(
    "period, now, cutoff",
    [
        ({"days": 30}, datetime(2026, 3, 31, 12), datetime(2026, 3, 1, 12)),
        ({"months": 6}, datetime(2026, 8, 31, 12), datetime(2026, 2, 28, 12)),
        ({"years": 1}, datetime(2028, 2, 29, 12), datetime(2027, 2, 28, 12)),
        ({"days": 0}, datetime(2026, 3, 31, 12), datetime(2026, 3, 31, 12)),
    ],
)
def test_periods_count_on_the_calendar(period, now, cutoff):
    assert cutoff_for(period, now=timezone.make_aware(now)) == timezone.make_aware(cutoff)


def test_every_category_has_a_described_policy_in_the_notice(notice_2026_data):
    policies = {p["key"]: p for p in notice_2026_data["policies"]}
    for category in categories():
        spec = policies[category.policy]
        assert spec["description"].startswith("保存期限"), category.policy
        assert len(spec["description"]) <= 300  # PolicySetting.description
        cutoff_for(spec["value"], now=timezone.now())  # a period the purge understands


# -- files and rows of the other categories -------------------------------------------------------------


def test_ticket_pdfs_go_a_month_after_the_last_exam_day_and_the_ticket_stays(held, purge):  # noqa: F811
    _item, applications, _sessions = held
    ticket = Ticket.objects.get(application=applications[0])  # issued with the seat
    Ticket.objects.filter(pk=ticket.pk).update(
        pdf_name=store_private(PDF, purpose="scheduling.ticket.pdf"),
        pdf_fingerprint="f" * 64,
        generated_at=timezone.make_aware(datetime(2026, 11, 10, 9)),
    )
    ticket.refresh_from_db()
    number = ticket.number
    name = ticket.pdf_name
    on_exam_day = timezone.make_aware(datetime.combine(EXAM_DAY, datetime.min.time()))

    purge(on_exam_day + timedelta(days=29))
    assert Ticket.objects.get(pk=ticket.pk).pdf_name == name and on_disk(name)

    run = purge(on_exam_day + timedelta(days=31))
    ticket.refresh_from_db()
    assert (ticket.pdf_name, ticket.pdf_fingerprint, ticket.number) == ("", "", number)
    assert not on_disk(name)
    assert run.counts["scheduling.ticket_pdfs"] == {"rows": 1, "files": 1}


def test_left_over_upload_reports_and_photo_zips_go_and_nothing_else(li_ming, purge):  # noqa: F811
    report = store_private(b"PK report", purpose=REPORT_PURPOSE)
    photo_zip = store_private(b"PK zip", purpose=ZIP_PURPOSE)
    stray_photo = store_private(PHOTO_JPEG, purpose=PHOTO)  # no row names it, but it is not transient

    purge(later(days=6))
    assert on_disk(report) and on_disk(photo_zip)

    run = purge(later(days=8))
    assert not on_disk(report) and not on_disk(photo_zip)
    assert on_disk(stray_photo) and on_disk(li_ming.photo_name)
    assert run.counts["applications.transient_files"] == {"rows": 2, "files": 2}


@pytest.fixture
def school_user(notice_2026, admin_alice):
    school = Institution.objects.create(name="静安区职业技术学校", uscc="9131010642502952X1")
    return User.objects.create_user(username="teacher_wang", password="Wang-pass-2026!", institution=school)


def test_batch_photo_reports_job_rows_and_expired_sessions_go(school_user, purge):
    batch = GroupBatch.objects.create(
        institution=school_user.institution,
        uploaded_by=school_user,
        filename="2026级.xlsx",
        file_sha256="a" * 64,
        rows=1,
        photo_report={"problems": [{"file": "110105199003071239.jpg"}]},
    )
    job = JobProgress.objects.create(task_id="t-1", label="photos", state=JobProgress.State.DONE)
    GroupBatch.objects.filter(pk=batch.pk).update(photo_job=job)
    session = SessionStore()
    session["import_report"] = "x"
    session.set_expiry(60)
    session.save()

    run = purge(later(days=100))
    batch.refresh_from_db()
    assert batch.photo_report == {} and batch.photo_job is None and batch.rows == 1
    assert not JobProgress.objects.filter(pk=job.pk).exists()
    assert not Session.objects.filter(session_key=session.session_key).exists()
    assert run.counts["applications.batch_reports"]["rows"] == 1
    assert User.objects.get(pk=school_user.pk).is_active  # staff of an institution: no person, untouched


def test_the_purge_works_through_a_category_in_chunks(notice_2026):
    messages = [sent_message(days_ago=200) for _ in range(5)]
    run = run_purge([SentMessages()], periods={"notifications.messages": {"months": 6}}, chunk_size=2)
    assert run.counts == {"notifications.messages": {"rows": 5, "files": 0}}
    assert not Message.objects.filter(pk__in=[m.pk for m in messages]).exclude(body="").exists()


class Breaks(SentMessages):
    name = "test.breaks"

    def expired(self, *, cutoff, now):
        return Message.objects.all()

    def purge(self, keys, *, cutoff, now):
        raise RuntimeError("the disk is full")


def test_a_run_that_fails_is_logged_as_failed_with_what_it_did_so_far(notice_2026):
    sent_message(days_ago=200)
    with pytest.raises(RuntimeError):
        run_purge(
            [SentMessages(), Breaks()],
            periods={"notifications.messages": {"months": 6}, "test.breaks": {"days": 1}},
        )
    run = PurgeRun.objects.get()
    assert run.state == PurgeRun.State.FAILED and run.error == "RuntimeError"
    assert run.counts["notifications.messages"] == {"rows": 1, "files": 0}
    entry = AuditEntry.objects.get(action="privacy.purge.run")
    assert entry.outcome == "failure" and entry.data["error"] == "RuntimeError"


def test_staff_read_the_purge_log_in_the_admin_and_cannot_change_it(rejected, admin_alice, purge, client):
    run = purge(later(days=370))
    client.force_login(admin_alice)
    page = client.get("/en/admin/privacy/purgerun/", HTTP_HOST="127.0.0.1")
    assert page.status_code == 200 and b"Done" in page.content
    detail = client.get(f"/en/admin/privacy/purgerun/{run.pk}/change/", HTTP_HOST="127.0.0.1")
    assert detail.status_code == 200 and b"applications.closed" in detail.content
    assert b'name="_save"' not in detail.content
