"""A raw dump of the database holds no ID number or phone number in clear (SECURITY.md "Personal data").

A realistic history is built through the services and pages: candidates registered with ID numbers and
mobiles, a group import with its photos zip (checked by a queued job), confirmation codes sent and used,
an online application reviewed and paid with proof, tickets drawn, scores published, certificates issued
and verified by ID number, a reveal, sign-ins by mobile number (good and bad), a desk lookup by ID number.
Then every table is dumped as the database stores it and searched: for each number used, and for anything
shaped like one (an 18-character ID with a valid check character, a mobile number standing alone).
"""

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from skilleval.accounts.models import User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role
from skilleval.applications.group_photos import start_photo_upload
from skilleval.applications.imports import import_group_file
from skilleval.applications.models import Channel, ConfirmationCode, GroupBatch
from skilleval.applications.services import (
    accept_pledge,
    approve,
    pre_review_batch,
    start_application,
    submit_application,
    submit_batch,
)
from skilleval.audit.models import AuditEntry
from skilleval.certificates.models import Certificate
from skilleval.certificates.services import issue_certificates
from skilleval.certificates.verification import verify
from skilleval.notifications.models import Message
from skilleval.payments.services import confirm_payment, open_payment, submit_proof
from skilleval.people.models import Person
from skilleval.privacy.services import reveal
from skilleval.scheduling.models import Ticket
from skilleval.scheduling.tickets import generate_tickets, issue_tickets
from tests.applications.conftest import (  # noqa: F401 - fixtures
    PHOTO_JPEG,
    give_photos,
    li_ming,
    make_candidate,
    programmer_l4,
    reviewer_rui,
    school,
    school_user,
)
from tests.applications.test_group_import import GOOD, xlsx
from tests.certificates.conftest import passed  # noqa: F401
from tests.log_scan import find_personal_data
from tests.results.conftest import (  # noqa: F401
    calendar,
    examiner_a,
    examiner_b,
    held,
    supervisor_s,
    supervisor_t,
)
from tests.scheduling.factories import id_number

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
LI_MING = ("110105199003071239", "13912345678")  # make_candidate's
GROUP = [(row[2], row[3]) for row in GOOD]  # 张三, 李四, 王五 of the group file
NOT_IN_BATCH = id_number(9_000)  # a photo in the zip named by an ID number of nobody in the batch
WALK_IN = (id_number(9_001), "15900001111")


@pytest.fixture
def own_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def run_queued_jobs() -> None:
    """What `db_worker` does with each queued job (its return value is stored on the row), without the loop
    that recycles connections, which would end the test's transaction on PostgreSQL."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="dump-test",
        excluded_queue_names=[],
    )
    for job in DBTaskResult.objects.ready():
        job.claim(worker.worker_id)
        worker.run_task(job)


def photo_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(f"{GROUP[0][0]}.jpg", PHOTO_JPEG)
        archive.writestr(f"{GROUP[1][0]}.jpg", b"not a photo at all")
        archive.writestr(f"{NOT_IN_BATCH}.jpg", PHOTO_JPEG)
    return out.getvalue()


@pytest.fixture
def history(
    client,
    own_media,
    settings,
    passed,  # noqa: F811
    li_ming,  # noqa: F811
    programmer_l4,  # noqa: F811
    reviewer_rui,  # noqa: F811
    school,  # noqa: F811
    school_user,  # noqa: F811
    admin_alice,
):
    """What a season leaves in the database; returns the ID numbers and phones it used."""
    # Exam day done: tickets drawn for the seated candidates, certificates issued, one verified by ID number.
    _item, applications = passed
    issue_tickets([a.pk for a in applications])
    generate_tickets(list(Ticket.objects.values_list("pk", flat=True)))
    issue_certificates(by=None)
    first = applications[0].person
    verify(name=first.full_name, id_number=first.id_number, client_ip="203.0.113.7", channel="web")

    # A candidate online: application, review, payment with proof, confirmation; a clerk reveals the number.
    application = start_application(li_ming, programmer_l4, channel=Channel.ONLINE, by=None)
    accept_pledge(application, by=None)
    submit_application(application, by=None)
    approve(application, reviewer=reviewer_rui)
    payment = open_payment(application, by=None)
    submit_proof(
        payment,
        content=b"%PDF-1.4\n%%EOF\n",
        invoice_kind="personal",
        invoice_title="李明",
        invoice_taxpayer_id="",
        invoice_email="liming@example.com",
        by=None,
    )
    confirm_payment(payment, cashier=admin_alice, amount_received="350", received_on=date(2026, 11, 24))
    reveal(li_ming, "id_number", by=admin_alice, reason="核对身份证原件")
    walk_in = make_candidate(name="赵敏", id_number=WALK_IN[0])
    walk_in.phone = WALK_IN[1]
    walk_in.save(update_fields=["phone"])

    # An institution's group: import, photos by zip through a queued job, submission, a student confirms.
    batch = import_group_file(
        institution=school, user=school_user, data=xlsx(GOOD), filename="学员.xlsx"
    ).batch
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    start_photo_upload(batch, photo_zip(), by=school_user)
    run_queued_jobs()
    give_photos(batch)
    pre_review_batch(batch, by=school_user)
    submit_batch(batch, by=school_user)
    code = ConfirmationCode.objects.filter(application__person__full_name="张三").first()
    message = Message.objects.filter(topic="application.confirm_data").first()
    assert code is not None and message is not None
    sent_code = message.body.split("确认码 ")[1][:8]
    client.post(
        "/confirm/",
        {"id_type": "resident_id", "id_number": GROUP[0][0], "code": sent_code, "agree": "on"},
        **HOST,
    )

    # Sign-ins by mobile number: a wrong password (counted by the lockout), then the right one.
    user = User.objects.create_user(username="liming", password="Li-ming-2026!")
    Person.objects.filter(pk=li_ming.pk).update(user=user)
    client.post("/account/login/", {"username": LI_MING[1], "password": "Wrong-pass-2026!"}, **HOST)
    client.post("/account/login/", {"username": GROUP[2][1], "password": "Wrong-pass-2026!"}, **HOST)
    client.post("/account/login/", {"username": LI_MING[1], "password": "Li-ming-2026!"}, **HOST)
    client.logout()

    # The desk looks a candidate up by ID number.
    invigilator = User.objects.create_user(username="desk_du", password="Du-pass-2026-desk!")
    grant_role(invigilator, Role.EXAMINER, by=admin_alice)
    client.force_login(invigilator)
    client.post("/desk/", {"q": first.id_number}, **HOST)

    seeded = [a.person.id_number for a in applications]
    numbers = [*seeded, LI_MING[0], *(i for i, _p in GROUP), NOT_IN_BATCH, WALK_IN[0]]
    phones = [LI_MING[1], *(p for _i, p in GROUP if p), WALK_IN[1]]
    return numbers, phones


def dump() -> str:
    """Every row of every table, as the database holds it."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            with cursor.cursor.copy(f"COPY {quoted} TO STDOUT") as copy:
                lines.extend(bytes(row).decode() for row in copy)
    return "".join(lines)


def test_a_raw_database_dump_holds_no_id_number_or_phone_in_clear(history, own_media):
    numbers, phones = history
    # The history is there: people, certificates, messages, the job, the sign-in.
    assert Person.objects.count() == 8 and Certificate.objects.count() == 2
    assert Ticket.objects.exclude(pdf_name="").count() == 3 and GroupBatch.objects.get().photo_report
    assert Message.objects.filter(channel="sms").exists()
    assert DBTaskResult.objects.get().return_value["problems"]  # the job's arguments and its report
    assert Session.objects.exists() and AuditEntry.objects.filter(action="privacy.reveal").exists()
    text = dump()
    assert len(text) > 100_000

    leaks = [n for n in numbers + phones if n in text or n.lower() in text]
    assert leaks == [], f"in clear in the dump: {leaks}"
    shaped = sorted({f"{f.kind} {f.secret}" for f in find_personal_data(text)})
    assert shaped == [], f"shaped like personal data in the dump: {shaped}"
    files = [p for p in own_media.rglob("*") if p.is_file()]
    assert files and not any(n in p.read_text(errors="replace") for p in files for n in numbers + phones)
