"""Institutions are tenants; candidates see only their own records (SECURITY.md "Access", issue 10).

For every page and API operation that takes an object's identifier and that an institution user or a candidate
can reach, institution A (or candidate A) asking for B's object gets a 404 by every method the view takes, the
other method a 405, and nothing in the database changes (no row, no audit entry). The owner asking the same
gets an answer, so each 404 is the tenant check and not a wrong URL. Bulk inputs (the group import, the photo
zip, the lists, the API's filters and pre-check, the combined ticket PDF) with B's ids change nothing of B's
and still serve A's own.

The tables below are checked against the URL resolver and the API: a new object URL, or a new view that takes
files or lists of ids, fails `test_every_tenant_route_has_an_isolation_case` until it has its case here.
"""

import inspect
import io
import json
import re
import secrets
import typing
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from operator import attrgetter
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone, translation
from pydantic import BaseModel

from skilleval.accounts.access import role_required
from skilleval.accounts.models import ApiToken, Institution, User
from skilleval.accounts.roles import Role
from skilleval.accounts.services import grant_role, issue_api_token
from skilleval.applications.evidence import add_evidence
from skilleval.applications.models import Application, Channel, GroupBatch
from skilleval.applications.services import (
    accept_pledge,
    approve,
    pre_review_batch,
    start_application,
    submit_application,
    submit_batch,
)
from skilleval.audit.models import AuditEntry
from skilleval.catalog.models import CatalogItem
from skilleval.certificates.services import issue_certificates
from skilleval.discipline.models import Code
from skilleval.discipline.services import decide, record_incident
from skilleval.payments.services import (
    confirm_payment,
    open_group_payment,
    open_payment,
    record_invoice,
    submit_proof,
)
from skilleval.people.models import Person
from skilleval.results.models import Result
from skilleval.results.services import close_results
from skilleval.scheduling.models import Ticket
from skilleval.scheduling.services import assign_seat
from skilleval.web.api import api
from skilleval.workdays.services import load_package_calendar
from tests.applications.conftest import make_candidate
from tests.applications.test_group_import import GOOD, xlsx
from tests.conftest import NOTICE_2026
from tests.core.test_photos import encode, portrait
from tests.eligibility.test_eligibility_api import EXAMPLE
from tests.results.conftest import EXAM_DAY, exam_day, person_with
from tests.results.test_institution_views import mark, students
from tests.scheduling.factories import id_number, published_session
from tests.web.test_url_access import decision, effective_auth

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
PDF = b"%PDF-1.4\n%%EOF\n"
TENANT_ROLES = frozenset({Role.INSTITUTION, Role.CANDIDATE})
# Institution B's students of the group batch: the ID numbers of the group import's example file.
ZHANG, WANG = GOOD[0][2], GOOD[2][2]


# -- which routes need a case --------------------------------------------------------------------------------


def walk(patterns, prefix="", params=()):
    """(name, route, view, the route's parameters) of every page; the admin and the API are left out (the
    admin serves staff only; the API is walked operation by operation)."""
    for entry in patterns:
        regex = entry.pattern.regex
        own = (*params, *(regex.groupindex or [f"group {i}" for i in range(1, regex.groups + 1)]))
        if isinstance(entry, URLResolver):
            namespace = entry.namespace or ""
            if namespace == "admin" or namespace.startswith("api-v1"):
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), own)
        elif isinstance(entry, URLPattern):
            yield entry.name, prefix + str(entry.pattern), entry.callback, own


def reachable_by_tenants(view) -> bool:
    """Whether an institution user or a candidate can pass the view's access decision (an undecided view
    counts: tests/web/test_url_access.py fails it anyway)."""
    kind = decision(view)
    if kind in ("public", "staff"):
        return False
    if kind == "roles":
        return bool(set(view.required_roles) & TENANT_ROLES)
    return True


def takes_bulk_input(view) -> bool:
    """Whether the view (or a helper of its module it calls) reads uploaded files or lists of values: the
    ways to smuggle many ids in at once."""
    function = inspect.unwrap(view)
    module = inspect.getmodule(function)
    sources = [inspect.getsource(function)]
    for name in function.__code__.co_names:
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == module.__name__ and helper is not function:
            sources.append(inspect.getsource(helper))
    return any(marker in source for source in sources for marker in ("request.FILES", ".getlist("))


IDENTIFIER = re.compile(r"(^|_)(id|ids|pk|pks|number|numbers|code|codes|reference|references)$")


def identifier_fields(annotation, prefix="") -> list[str]:
    """The fields of an API input model, nested models and lists included, whose names say identifier."""
    found = []
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if IDENTIFIER.search(name):
                found.append(prefix + name)
            found += identifier_fields(field.annotation, f"{prefix}{name}.")
    for argument in typing.get_args(annotation):
        found += identifier_fields(argument, prefix)
    return found


def api_inputs():
    """(method and path, what it takes) of every authenticated API operation that takes an object id in its
    path, identifiers in its query or body, or a file."""
    for prefix, router in api._routers:
        for route, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if not effective_auth(operation, router):
                    continue  # public by the explicit list of tests/web/test_url_access.py
                takes = set()
                for model in operation.models:
                    source = getattr(model, "__ninja_param_source__", "")
                    if source == "path" and model.model_fields:
                        takes.add("path")
                    elif source == "file":
                        takes.add("file")
                    elif identifier_fields(model):
                        takes.add("identifiers")
                for method in operation.methods:
                    if takes:
                        yield f"{method} {prefix}{route}", takes


def uncovered(patterns, cases, bulk) -> list[str]:
    problems = []
    for name, route, view, params in walk(patterns):
        if not reachable_by_tenants(view):
            continue
        if params and name not in cases:
            problems.append(f"{route} ({name}) takes {', '.join(params)} but has no isolation case")
        if takes_bulk_input(view) and name not in bulk:
            problems.append(f"{route} ({name}) reads files or lists but is not in BULK_INPUTS")
    return problems


# -- the tables ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """`actor` asks for B's object by each of `methods`: a 404 each, the other method a 405, nothing changed.
    `owner` asking the same is answered (None for the mixed cases: one's own number with another's file).

    `target` gives the URL's arguments as paths into the world (`"batch_b.pk"`); `data` is the POST form, or a
    function of the world that builds it afresh (an uploaded file is read once)."""

    actor: str
    target: dict
    owner: str | None
    methods: tuple = ("GET",)
    data: dict | typing.Callable | None = None

    def url(self, name, world) -> str:
        return reverse(name, kwargs={key: attrgetter(path)(world) for key, path in self.target.items()})

    def form(self, world) -> dict:
        return self.data(world) if callable(self.data) else dict(self.data or {})


POST, BOTH = ("POST",), ("GET", "POST")
INSTITUTION_A, CANDIDATE_A = "institution_a", "candidate_a"


def photo_zip(world):
    return {"file": SimpleUploadedFile("照片.zip", zipped({f"{ZHANG}.jpg": PORTRAIT}), "application/zip")}


def proof(world):
    return {"proof": SimpleUploadedFile("转账.pdf", PDF), "invoice_kind": "personal", "invoice_title": "冒名"}


def evidence(world):
    return {"file": SimpleUploadedFile("证明.pdf", PDF), "description": "冒名材料"}


BATCH_B, APPLICATION_B = {"pk": "batch_b.pk"}, {"number": "application_b.number"}
URL_CASES = {
    # Institution pages: B's batches, its students' forms, sessions, results and invoices. An individual
    # candidate's number is no institution's either.
    "institution-batch": [Case(INSTITUTION_A, BATCH_B, "institution_b")],
    "institution-batch-pre-review": [Case(INSTITUTION_A, BATCH_B, "institution_b", POST, {"note": "初审"})],
    "institution-batch-photos": [Case(INSTITUTION_A, BATCH_B, "institution_b", POST, photo_zip)],
    "institution-batch-submit": [Case(INSTITUTION_A, BATCH_B, "institution_b", POST)],
    "institution-batch-pay": [Case(INSTITUTION_A, {"pk": "batch_b_paid.pk"}, "institution_b", BOTH, proof)],
    "institution-form-pdf": [
        Case(INSTITUTION_A, {"number": "group_application_b.number"}, "institution_b"),
        Case(INSTITUTION_A, APPLICATION_B, None),
    ],
    "tickets-institution-session": [Case(INSTITUTION_A, {"pk": "session_b.pk"}, "institution_b")],
    "institution-results-makeup": [
        Case(INSTITUTION_A, {"number": "failed_group_b.number"}, "institution_b", POST),
        Case(INSTITUTION_A, {"number": "failed_b.number"}, None, POST),
    ],
    "invoice-file": [
        Case(
            INSTITUTION_A,
            {"code": "group_invoice_b.payment.code", "pk": "group_invoice_b.pk"},
            "institution_b",
        ),
        Case(INSTITUTION_A, {"code": "invoice_b.payment.code", "pk": "invoice_b.pk"}, "candidate_b_seated"),
        Case(CANDIDATE_A, {"code": "group_invoice_b.payment.code", "pk": "group_invoice_b.pk"}, None),
        Case(CANDIDATE_A, {"code": "invoice_b.payment.code", "pk": "invoice_b.pk"}, None),
        Case(CANDIDATE_A, {"code": "payment_a.code", "pk": "invoice_b.pk"}, None),  # own payment, B's invoice
    ],
    # Candidate pages: B's application and everything under it. Withdrawing comes last: the owners' requests
    # run in this order, and a withdrawn application has no fee to pay.
    "application": [Case(CANDIDATE_A, APPLICATION_B, "candidate_b")],
    "application-form-pdf": [Case(CANDIDATE_A, APPLICATION_B, "candidate_b")],
    "application-evidence-file": [
        Case(CANDIDATE_A, {"number": "application_b.number", "pk": "evidence_b.pk"}, "candidate_b"),
        Case(CANDIDATE_A, {"number": "application_a.number", "pk": "evidence_b.pk"}, None),  # own number
    ],
    "application-evidence": [Case(CANDIDATE_A, APPLICATION_B, "candidate_b", POST, evidence)],
    "application-pay": [Case(CANDIDATE_A, APPLICATION_B, "candidate_b", BOTH, proof)],
    "application-resubmit": [Case(CANDIDATE_A, APPLICATION_B, "candidate_b", POST)],
    "application-withdraw": [Case(CANDIDATE_A, APPLICATION_B, "candidate_b", POST, {"reason": "冒名撤回"})],
    "ticket-pdf": [Case(CANDIDATE_A, {"number": "seated_b.number"}, "candidate_b_seated")],
    "my-results-review": [
        Case(
            CANDIDATE_A,
            {"number": "reviewing_b.number"},
            "candidate_b_reviewing",
            POST,
            {"subject": "practical", "reason": "请复核操作技能成绩"},
        )
    ],
    "my-results-makeup": [Case(CANDIDATE_A, {"number": "failed_b.number"}, "candidate_b_failed", POST)],
    "certificates-mine-pdf": [Case(CANDIDATE_A, {"number": "certificate_b.number"}, "candidate_b_certified")],
    "discipline-appeal": [
        Case(
            CANDIDATE_A,
            {"reference": "decision_b.reference"},
            "candidate_b_sanctioned",
            POST,
            {"text": "冒名"},
        )
    ],
}

IMPORT_TEST = "test_an_import_naming_bs_students_writes_nothing_and_as_own_rows_import"
LISTS_TEST = "test_lists_and_the_api_show_only_as_own_students"
# Views that read files or lists of values, and what shows that B's ids in them change nothing of B's.
BULK_INPUTS = {
    "institution-upload": IMPORT_TEST,
    "institution-batch-photos": "test_a_photo_zip_naming_bs_students_attaches_only_as_own",
    "institution-batch-pay": "the proof of transfer for the batch in the path (URL_CASES)",
    "application-pay": "the proof of transfer for the application in the path (URL_CASES)",
    "application-evidence": "evidence for the application in the path (URL_CASES)",
    "my-photo": "the signed-in candidate's own photo: no identifier is read",
}

# API operations with an object in the path, as (B's object, the JSON body): with A's token a 404, with B's
# token an answer. The others take identifiers or files in bulk: the test named shows them.
API_CASES = {
    "GET /institution/batches/{batch_id}": ({"batch_id": "batch_b.pk"}, None),
    "POST /institution/batches/{batch_id}/pre-review": ({"batch_id": "batch_b.pk"}, {"note": "初审"}),
    "POST /institution/batches/{batch_id}/submit": ({"batch_id": "batch_b.pk"}, {}),
}
API_BULK = {
    "GET /institution/applications": LISTS_TEST,
    "POST /institution/precheck": LISTS_TEST,
    "POST /institution/batches": IMPORT_TEST,
}


# -- completeness --------------------------------------------------------------------------------------------


def test_every_tenant_route_has_an_isolation_case():
    patterns = get_resolver().url_patterns
    problems = uncovered(patterns, URL_CASES, BULK_INPUTS)
    names = {name for name, *_rest in walk(patterns)}
    problems += [f"{name}: a case for a route that is gone" for name in {*URL_CASES, *BULK_INPUTS} - names]

    found = dict(api_inputs())
    for key, takes in found.items():
        if "path" in takes and key not in API_CASES:
            problems.append(f"API {key} takes an object in its path but has no 404 case")
        elif key not in API_CASES and key not in API_BULK:
            problems.append(f"API {key} takes {sorted(takes)} but has no isolation case")
    problems += [
        f"API {key}: a case for an operation that is gone" for key in {*API_CASES, *API_BULK} - set(found)
    ]

    tests = {name for name in globals() if name.startswith("test_")}
    named = {text for text in [*BULK_INPUTS.values(), *API_BULK.values()] if text.startswith("test_")}
    problems += [f"{name}: no such test here" for name in named - tests]
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_new_object_url_or_bulk_input_without_a_case():
    @role_required(Role.INSTITUTION)
    def secret(request, pk):
        return None

    @role_required(Role.CANDIDATE, Role.REVIEWER)
    def many(request):
        return request.POST.getlist("ids")

    @role_required(Role.REVIEWER)
    def staff_only_object(request, pk):
        return None

    patterns = [
        path("new/<int:pk>/", secret, name="new-object"),
        path("bulk/", many, name="new-bulk"),
        path("staff/<int:pk>/", staff_only_object, name="staff-object"),
    ]
    problems = uncovered(patterns, cases={}, bulk={})
    assert len(problems) == 2
    assert "new/<int:pk>/ (new-object) takes pk" in problems[0] and "new-bulk" in problems[1]
    assert uncovered(patterns, cases={"new-object": []}, bulk={"new-bulk": ""}) == []

    class Line(BaseModel):
        batch_ids: list[int]

    class Body(BaseModel):
        note: str
        lines: list[Line] | None

    assert identifier_fields(Body) == ["lines.batch_ids"]


# -- two institutions, their students, and candidates --------------------------------------------------------


def tenant_user(name, admin, *, institution=None, person=None) -> User:
    user = User.objects.create_user(
        username=name, password=f"{name.title()}-pass-2026!", institution=institution
    )
    grant_role(user, Role.INSTITUTION if institution else Role.CANDIDATE, by=admin)
    if person is not None:
        Person.objects.filter(pk=person.pk).update(user=user)
    return user


def batch_of(institution, user, people, item) -> GroupBatch:
    """A batch as the import leaves it (the import itself is exercised below): drafts of the institution."""
    batch = GroupBatch.objects.create(
        institution=institution,
        uploaded_by=user,
        filename="名单.xlsx",
        file_sha256=secrets.token_hex(32),
        rows=len(people),
    )
    for person in people:
        start_application(person, item, channel=Channel.GROUP, institution=institution, batch=batch, by=user)
    return batch


def approved(person, item, reviewer, *, by, with_evidence=False):
    """An individual's application, approved: the fee is due. With a certificate of schooling as evidence."""
    application = start_application(person, item, channel=Channel.ONLINE, by=by)
    found = None
    if with_evidence:
        found = add_evidence(
            application, content=PDF, filename="毕业证书.pdf", description="高中毕业证书", by=by
        )
    accept_pledge(application, by=by)
    submit_application(application, by=by)
    return approve(application, reviewer=reviewer), found


def paid_with_invoice(payment, *, payer, cashier, number):
    """The payer sends proof and asks for an invoice; the cashier confirms and records the invoice."""
    submit_proof(payment, content=PDF, invoice_kind="personal", invoice_title=payment.payer_name, by=payer)
    payment = confirm_payment(
        payment, cashier=cashier, amount_received=payment.amount_due, received_on=timezone.localdate()
    )
    return record_invoice(
        payment, number=number, issued_on=timezone.localdate(), amount=payment.amount_due, pdf=PDF, by=cashier
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, inside a transaction rolled back at its end; each test runs in a savepoint
    of it (the `db` fixture), so what one test changes the next never sees."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_notice", str(NOTICE_2026), stdout=io.StringIO())
        load_package_calendar(by=None)
        yield build_world(User.objects.create_superuser(username="alice", password="Alice-pass-2026!"))
        transaction.set_rollback(True)


def build_world(admin):
    """One story, read top to bottom: what each persona owns."""
    w = SimpleNamespace(users={})
    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    reviewer = person_with(Role.REVIEWER, "reviewer_r", admin)
    cashier = person_with(Role.CASHIER, "cashier_c", admin)
    examiner_a = person_with(Role.EXAMINER, "examiner_a", admin)
    examiner_b = person_with(Role.EXAMINER, "examiner_b", admin)
    supervisor = person_with(Role.SUPERVISOR, "supervisor_s", admin)
    today = timezone.localdate()

    a = Institution.objects.create(name="静安区职业技术学校", uscc="9131010642502952X1")
    b = Institution.objects.create(name="浦东新区职业培训学校", uscc="91310115MA1H7GXX1W")
    w.institution_a, w.institution_b = a, b
    inst_a = w.users["institution_a"] = tenant_user("teacher_a", admin, institution=a)
    inst_b = w.users["institution_b"] = tenant_user("teacher_b", admin, institution=b)
    w.token_a = issue_api_token(inst_a, name="教务系统", by=admin)[1]
    w.token_b = issue_api_token(inst_b, name="教务系统", by=admin)[1]

    # A's draft batch; B's draft batch (张三, 王五) and B's submitted batch, approved, paid and invoiced.
    w.student_a = make_candidate(name="赵六", id_number=id_number(9002))
    w.batch_a = batch_of(a, inst_a, [w.student_a], item)
    people_b = [make_candidate(name="张三", id_number=ZHANG), make_candidate(name="王五", id_number=WANG)]
    w.batch_b = batch_of(b, inst_b, people_b, item)
    w.group_application_b = w.batch_b.applications.get(person=people_b[0])
    w.batch_b_paid = batch_of(b, inst_b, [make_candidate(name="孙七", id_number=id_number(9004))], item)
    pre_review_batch(w.batch_b_paid, by=inst_b)
    submit_batch(w.batch_b_paid, by=inst_b)
    approve(w.batch_b_paid.applications.get(), reviewer=reviewer)
    group_payment = open_group_payment(w.batch_b_paid, by=inst_b)
    w.group_invoice_b = paid_with_invoice(group_payment, payer=inst_b, cashier=cashier, number="31000001")

    # Candidate A, approved with evidence and a payment to make; candidate B the same; another candidate of
    # B's side paid with an invoice and seated, ticket window open.
    person_a = make_candidate()
    user_a = w.users["candidate_a"] = tenant_user("candidate_a", admin, person=person_a)
    w.application_a, _evidence = approved(person_a, item, reviewer, by=user_a, with_evidence=True)
    w.payment_a = open_payment(w.application_a, by=user_a)
    person_b = make_candidate(name="王芳", id_number=id_number(9001))
    user_b = w.users["candidate_b"] = tenant_user("candidate_b", admin, person=person_b)
    w.application_b, w.evidence_b = approved(person_b, item, reviewer, by=user_b, with_evidence=True)
    seated_person = make_candidate(name="钱八", id_number=id_number(9003))
    seated_user = w.users["candidate_b_seated"] = tenant_user(
        "candidate_b_seated", admin, person=seated_person
    )
    seated, _evidence = approved(seated_person, item, reviewer, by=seated_user)
    w.invoice_b = paid_with_invoice(
        open_payment(seated, by=seated_user), payer=seated_user, cashier=cashier, number="31000002"
    )

    # Two sessions three days ahead: one with B's students only, one shared by a student of each.
    w.session_b = published_session(item, 3, room_name="B01", venue_name="浦东考点")
    w.session_shared = published_session(item, 3, room_name="AB01", venue_name="浦东考点")
    for application in students(item, 1, start=300, institution=b):
        assign_seat(w.session_b, application, by=admin)
    seated.refresh_from_db()  # paid when the cashier confirmed
    assign_seat(w.session_b, seated, by=admin)
    w.seated_b = Application.objects.get(pk=seated.pk)
    w.shared_a = students(item, 1, start=310, institution=a)[0]
    w.shared_b = students(item, 1, start=320, institution=b)[0]
    for application in (w.shared_a, w.shared_b):
        assign_seat(w.session_shared, application, by=admin)

    # Exam day: a student of each institution and an individual fail, another individual passes; results
    # closed, a certificate issued. A later day's results are still in their notice period (review open).
    w.failed_group_b, w.failed_group_a, w.failed_b, certified = [
        *students(item, 1, start=100, institution=b),
        *students(item, 1, start=110, institution=a),
        *students(item, 2, start=120),
    ]
    held = exam_day(item, [w.failed_group_b, w.failed_group_a, w.failed_b, certified], by=admin)
    mark(held, ["70", "70", "70", "80"], ["40", "40", "40", "85"], examiner_a, examiner_b, supervisor)
    close_results(by=admin, on=today + timedelta(days=30))
    w.certificate_b = issue_certificates([certified.pk], by=None)[0]
    w.users["candidate_b_failed"] = tenant_user("candidate_b_failed", admin, person=w.failed_b.person)
    w.users["candidate_b_certified"] = tenant_user("candidate_b_certified", admin, person=certified.person)

    w.reviewing_b = students(item, 1, start=140)[0]
    later = exam_day(item, [w.reviewing_b], day=EXAM_DAY + timedelta(days=1), by=admin, name="徐汇考点")
    mark(later, ["75"], ["45"], examiner_a, examiner_b, supervisor)
    w.users["candidate_b_reviewing"] = tenant_user(
        "candidate_b_reviewing", admin, person=w.reviewing_b.person
    )

    sanctioned = students(item, 1, start=150)[0]
    day = EXAM_DAY - timedelta(days=1)
    exam_day(item, [sanctioned], day=day, by=admin, name="黄浦考点")
    incident = record_incident(
        sanctioned,
        code=Code.objects.get(code="3.1"),
        subject="theory",
        description="使用手机拍摄试题",
        occurred_on=day,
        by=examiner_a,
    )
    w.decision_b = decide(incident, reasons="查获手机，存有试题照片", by=supervisor)
    w.users["candidate_b_sanctioned"] = tenant_user("candidate_b_sanctioned", admin, person=sanctioned.person)

    # What no answer to A may contain: the names of B's students and of the candidates on B's side.
    individuals = (person_b, seated_person, certified.person, w.failed_b.person, w.reviewing_b.person)
    w.b_names = sorted(
        {
            *Person.objects.filter(applications__institution=b).values_list("full_name", flat=True),
            *(person.full_name for person in (*individuals, sanctioned.person)),
        }
    )
    return w


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


PORTRAIT = encode(portrait())


# -- what may not change -------------------------------------------------------------------------------------


def snapshot() -> dict:
    """Every row of every table of the project. An API token's last use is the only write a foreign request
    may cause (it is A's own token)."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in apps.get_models()
        if model.__module__.startswith("skilleval.") and model is not ApiToken
    }


def changed(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def signed_in(world, *actors) -> dict[str, Client]:
    """A browser per persona (all of them by default), signed in before anything is compared: a sign-in
    writes its audit row."""
    clients = {}
    for actor in actors or world.users:
        clients[actor] = Client()
        clients[actor].force_login(world.users[actor])
    return clients


def send(client, method, url, data=None):
    if method == "GET":
        return client.get(url, **HOST)
    return client.post(url, data or {}, **HOST)


def answered(response) -> bool:
    """The owner's request reached the object: not a 404, and not sent to sign in again."""
    location = response.get("Location", "")
    return response.status_code != 404 and "/account/" not in location


# -- every object URL ----------------------------------------------------------------------------------------


def test_institution_a_and_candidate_a_get_404_for_every_object_of_b_and_change_nothing(world):
    clients, failures = signed_in(world), []
    before = snapshot()
    for name, cases in URL_CASES.items():
        for case in cases:
            url = case.url(name, world)
            for method in ("GET", "POST"):
                response = send(clients[case.actor], method, url, case.form(world))
                expected = 404 if method in case.methods else 405
                if response.status_code != expected:
                    failures.append(f"{case.actor} {method} {url}: {response.status_code}, not {expected}")
                body = response.content.decode(errors="replace")
                if leaked := [n for n in world.b_names if n in body]:
                    failures.append(f"{case.actor} {method} {url}: the answer names {leaked}")
                after = snapshot()
                if touched := changed(before, after):
                    failures.append(f"{case.actor} {method} {url} changed {touched}")
                before = after
    assert not failures, "\n".join(failures)

    # The same requests by the owners are answered: each 404 above was the tenant check, not a bad URL.
    # Reads first, then the changes in the tables' order.
    refused = []
    for method in ("GET", "POST"):
        for name, cases in URL_CASES.items():
            for case in cases:
                if case.owner is None or method not in case.methods:
                    continue
                url = case.url(name, world)
                response = send(clients[case.owner], method, url, case.form(world))
                if not answered(response):
                    refused.append(f"{case.owner} {method} {url}: {response.status_code}")
    assert not refused, "\n".join(refused)


# -- the API -------------------------------------------------------------------------------------------------


def call(method, route, token, body=None):
    headers = {**HOST, "HTTP_AUTHORIZATION": f"Bearer {token}"}
    if method == "GET":
        return Client().get(f"/api/v1{route}", **headers)
    return Client().post(
        f"/api/v1{route}", json.dumps(body or {}), content_type="application/json", **headers
    )


def api_request(key, target, world) -> tuple[str, str]:
    method, route = key.split(" ", 1)
    return method, route.format(**{name: attrgetter(path)(world) for name, path in target.items()})


def test_with_as_token_the_api_answers_404_for_bs_batches_and_changes_nothing(world):
    failures = []
    before = snapshot()
    for key, (target, body) in API_CASES.items():
        response = call(*api_request(key, target, world), world.token_a, body)
        if response.status_code != 404 or set(response.json()) != {"detail"}:
            failures.append(f"{key}: {response.status_code} {response.content[:200]!r}")
        after = snapshot()
        if touched := changed(before, after):
            failures.append(f"{key} changed {touched}")
        before = after
    assert not failures, "\n".join(failures)
    for key, (target, body) in API_CASES.items():  # B's own token reaches them
        assert call(*api_request(key, target, world), world.token_b, body).status_code != 404, key


# -- bulk inputs and imports ---------------------------------------------------------------------------------


def b_state(w) -> dict:
    """B's side of the database: its institution's rows and its candidates', with their facts."""
    people = Person.objects.filter(full_name__in=w.b_names)
    return {
        "people": list(people.order_by("pk").values_list()),
        "facts": [
            list(getattr(p, related).order_by("pk").values_list())
            for p in people.order_by("pk")
            for related in ("education", "work", "certificates", "titles")
        ],
        "applications": list(Application.objects.filter(person__in=people).order_by("pk").values_list()),
        "batches": list(GroupBatch.objects.filter(institution=w.institution_b).order_by("pk").values_list()),
        "tickets": list(Ticket.objects.filter(application__person__in=people).order_by("pk").values_list()),
        "results": list(Result.objects.filter(application__person__in=people).order_by("pk").values_list()),
    }


def test_an_import_naming_bs_students_writes_nothing_and_as_own_rows_import(world):
    """张三 and 王五 are B's students with open applications: a file of A's naming them (one for another item,
    one for the same) is refused whole, on the page and through the API; A's own row alone imports."""
    client = signed_in(world, "institution_a")["institution_a"]
    smuggled = xlsx([GOOD[0], GOOD[1], GOOD[2]])
    with translation.override("en"):
        upload_url = reverse("institution-upload")
    before = snapshot()

    response = Client().post(
        "/api/v1/institution/batches",
        {"file": SimpleUploadedFile("学员.xlsx", smuggled)},
        HTTP_AUTHORIZATION=f"Bearer {world.token_a}",
        **HOST,
    )
    assert response.status_code == 422 and response.json()["batch"] is None
    assert {(e["row"], e["code"]) for e in response.json()["errors"]} == {
        (2, "other_institution"),
        (4, "duplicate_open"),
    }
    page = client.post(upload_url, {"file": SimpleUploadedFile("学员.xlsx", smuggled)}, **HOST)
    html = page.content.decode()
    assert page.status_code == 200
    assert "This student has an open application through another institution; apply at the counter." in html
    assert "This student already has an open application for this item." in html
    assert changed(before, snapshot()) == []

    b_before = b_state(world)
    own = client.post(upload_url, {"file": SimpleUploadedFile("学员.xlsx", xlsx([GOOD[1]]))}, **HOST)
    batch = GroupBatch.objects.get(institution=world.institution_a, rows=1, filename="学员.xlsx")
    assert own.status_code == 302 and own["Location"].endswith(f"/institution/batches/{batch.pk}/")
    assert list(batch.applications.values_list("person__full_name", "institution")) == [
        ("李四", world.institution_a.pk)
    ]
    assert b_state(world) == b_before


def test_a_photo_zip_naming_bs_students_attaches_only_as_own(world):
    client = signed_in(world, "institution_a")["institution_a"]
    own_photo = Person.objects.get(pk=world.student_a.pk).photo_name
    b_before = b_state(world)
    data = zipped(
        {f"{world.student_a.id_number}.jpg": PORTRAIT, f"{ZHANG}.jpg": PORTRAIT, f"{WANG}.jpg": PORTRAIT}
    )

    response = client.post(
        reverse("institution-batch-photos", kwargs={"pk": world.batch_a.pk}),
        {"file": SimpleUploadedFile("照片.zip", data, "application/zip")},
        **HOST,
    )

    assert response.status_code == 302
    assert Person.objects.get(pk=world.student_a.pk).photo_name != own_photo
    report = GroupBatch.objects.get(pk=world.batch_a.pk).photo_report
    assert report["attached"] == 1
    assert [p["message_en"] for p in report["problems"]] == [
        "no student of this batch has this ID number"
    ] * 2
    assert b_state(world) == b_before


def test_lists_and_the_api_show_only_as_own_students(world):
    """The batch list, the sessions and their combined ticket PDF, the results and the make-up, the API's list
    (filtered by B's batch too) and its pre-check: A's own, nothing of B's, and nothing of B's changes."""
    client = signed_in(world, "institution_a")["institution_a"]
    b_before = b_state(world)

    def page(name, **kwargs) -> str:
        response = client.get(reverse(name, kwargs=kwargs), **HOST)
        assert response.status_code == 200, name
        body = response.content.decode()
        assert [n for n in world.b_names if n in body] == [], name
        return body

    assert reverse("institution-batch", kwargs={"pk": world.batch_a.pk}) in page("institution-home")
    assert reverse("institution-batch", kwargs={"pk": world.batch_b.pk}) not in page("institution-home")
    sessions = page("tickets-institution")
    assert reverse("tickets-institution-session", kwargs={"pk": world.session_shared.pk}) in sessions
    assert reverse("tickets-institution-session", kwargs={"pk": world.session_b.pk}) not in sessions
    url = reverse("tickets-institution-session", kwargs={"pk": world.session_shared.pk})
    tickets = client.get(url, **HOST)
    assert tickets.status_code == 200 and tickets["Content-Type"] == "application/pdf"
    assert len(re.findall(rb"/Type\s*/Page(?!s)", tickets.content)) == 1  # A's student only, of the two
    export = AuditEntry.objects.get(action="scheduling.ticket.export")
    assert export.data["tickets"] == 1 and export.target_id == str(world.session_shared.pk)
    results = page("institution-results")
    assert world.failed_group_a.number in results and world.failed_group_b.number not in results

    url = reverse("institution-results-makeup", kwargs={"number": world.failed_group_a.number})
    response = client.post(url, **HOST)
    assert response.status_code == 302
    makeup = Application.objects.get(person=world.failed_group_a.person, kind="makeup")
    assert makeup.institution == world.institution_a

    def numbers(query: str) -> set[str]:
        return {
            row["number"] for row in call("GET", f"/institution/applications?{query}", world.token_a).json()
        }

    ours = set(Application.objects.filter(institution=world.institution_a).values_list("number", flat=True))
    assert numbers("limit=1000") == ours
    assert numbers(f"batch_id={world.batch_b.pk}") == set()
    assert numbers(f"batch_id={world.batch_a.pk}") == {world.batch_a.applications.get().number}

    before = snapshot()
    precheck = call("POST", "/institution/precheck", world.token_a, [EXAMPLE])  # EXAMPLE is 张三's number
    answer = precheck.content.decode()
    assert precheck.status_code == 200 and precheck.json()[0]["result"]["eligible"] is True
    assert "张三" not in answer and world.group_application_b.number not in answer
    assert changed(before, snapshot()) == []
    assert b_state(world) == b_before


def test_a_candidates_own_pages_name_nobody_else(world):
    """The candidate's list and application page (scores, review, make-up, discipline, ticket and certificate
    sections are drawn there) show their own records only; their photo URL takes no identifier at all."""
    client = signed_in(world, "candidate_a")["candidate_a"]
    for url in (reverse("me"), reverse("application", kwargs={"number": world.application_a.number})):
        response = client.get(url, **HOST)
        body = response.content.decode()
        assert response.status_code == 200 and world.application_a.number in body, url
        assert [n for n in world.b_names if n in body] == [], url
        assert world.application_b.number not in body, url
    photo = client.get(reverse("my-photo-image"), **HOST)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
