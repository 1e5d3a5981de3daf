"""Memory of long jobs (issue 11 "Scale-out": "memory stays bounded in every long job").

Measures, each in a fresh child process so its peak resident memory is the job's alone:

- tickets: 5,000 admission tickets with photo and QR code in one combined PDF
  (skilleval.scheduling.tickets.combined_pdf), as an institution downloads them;
- export: the results export for the national database with 20,000 rows
  (skilleval.results.exports.iter_results_rows into results_xlsx and results_csv, as the view does);
- certificates: the national certificate upload with 20,000 certificates
  (skilleval.certificates.exports.certificate_rows into certificates_xlsx and certificates_csv, as the view
  does), each row with its full ID number decrypted.

A first child seeds the data (planning, seats and publishing like bench/tickets.py; 20,000 published
results and as many certificates, with their integrity tags) into a temporary data directory; the measuring children only open it.
Prints the peak RSS of each job and its growth over the process after start-up and the imports.

    .venv/bin/python bench/job_memory.py            # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skilleval_bench_memory .venv/bin/python bench/job_memory.py

The result rows carry no subject scores (a Score needs a seat in a session; 20,000 seats would need a
year of planning): the export's per-row work on scores is left out, its memory per row is a lower bound.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

TICKETS = 5_000
RESULTS = 20_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def open_django(data_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SKILLEVAL_DATA_DIR"] = data_dir
    os.environ.setdefault("TASKS_BACKEND", "immediate")
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)


def seed(data_dir: str) -> None:
    from planning import setup_django  # a fresh schema, the notice and the calendar

    setup_django(data_dir)
    from django.utils import timezone

    from skilleval.accounts.models import User
    from skilleval.accounts.roles import Role
    from skilleval.accounts.services import grant_role
    from skilleval.applications.models import Application
    from skilleval.catalog.models import CatalogItem
    from skilleval.dbtools import insert_dicts
    from skilleval.results.models import Result
    from skilleval.results.services import result_tag
    from skilleval.scheduling.models import Room, Ticket, Venue
    from skilleval.scheduling.services import fill_staff, plan_month, publish_plan
    from tests.scheduling.factories import seed_paid

    started = time.perf_counter()
    venue = Venue.objects.create(name="基准考点", address="静安区愚园路 546 号 8 号楼")
    Room.objects.bulk_create(
        [Room(venue=venue, name=f"第{i + 1}考场", kind="theory", capacity=60) for i in range(20)]
        + [Room(venue=venue, name=f"机房{i + 1}", kind="practical", capacity=40) for i in range(30)]
    )
    for i in range(400):  # practical: one examiner per 5 candidates
        grant_role(User.objects.create_user(username=f"examiner{i}"), Role.EXAMINER, by=None)
    item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
    seed_paid(item, TICKETS, submitted=timezone.make_aware(datetime(2026, 11, 5, 10)))
    plan = plan_month(2026, 11, by=None, earliest=date(2026, 12, 1))
    fill_staff(plan, by=None)
    publish_plan(plan, by=None)
    tickets = Ticket.objects.count()
    print(f"  seeded {tickets:,} tickets in {time.perf_counter() - started:.0f} s", flush=True)

    other = CatalogItem.objects.exclude(pk=item.pk).order_by("pk").first()
    ids = seed_paid(other, RESULTS, submitted=timezone.make_aware(datetime(2026, 10, 5, 10)), start=TICKETS)
    now = timezone.now()

    def result(n: int, application_id: int) -> dict:
        row = Result(
            application_id=application_id,
            passed=n % 3 != 0,
            exam_date=date(2026, 11, 1) + timedelta(days=n % 28),
            original_exam_date=date(2026, 11, 1) + timedelta(days=n % 28),
            published_at=now,
            notice_until=date(2026, 12, 31),
            valid_until=date(2027, 11, 30),
        )
        row.tag = result_tag(row)
        return {f.attname: getattr(row, f.attname) for f in Result._meta.concrete_fields if f.attname != "id"}

    insert_dicts(Result, (result(n, pk) for n, pk in enumerate(ids)))
    Application.objects.filter(pk__in=ids).update(status="failed")
    print(f"  seeded {Result.objects.count():,} results in {time.perf_counter() - started:.0f} s", flush=True)
    seed_certificates(ids)
    print(f"  seeded {len(ids):,} certificates in {time.perf_counter() - started:.0f} s", flush=True)


def seed_certificates(application_ids: list[int]) -> None:
    """A certificate for each application, numbered and tagged as issued ones are. One signed statement
    serves them all: the export checks each row's integrity tag, which covers statement and signature."""
    from types import SimpleNamespace

    from skilleval.applications.models import Application
    from skilleval.certificates import signing
    from skilleval.certificates.models import Certificate
    from skilleval.certificates.services import certificate_tag
    from skilleval.dbtools import insert_dicts
    from skilleval.organization.models import Organization

    filing = Organization.objects.get(pk=1).filing_number
    issued_on = date(2026, 11, 30)
    statement = signing.statement(
        number=f"{filing}26{4}000001",
        name="基准",
        id_masked="310104********0000",
        occupation_code="4-04-05-01",
        work_type="--",
        level=4,
        issued_on=issued_on,
    )
    signature = signing.sign(statement)
    applications = list(
        Application.objects.filter(pk__in=application_ids)
        .order_by("pk")
        .values_list("pk", "person_id", "item_id", "level")
    )

    def certificate(n: int, application: tuple) -> dict:
        pk, person_id, item_id, level = application
        row = SimpleNamespace(
            number=f"{filing}26{level}{n + 1:06d}",
            application_id=pk,
            person_id=person_id,
            item_id=item_id,
            level=level,
            issued_on=issued_on,
            statement=statement,
            signature=signature,
        )
        return {**vars(row), "tag": certificate_tag(row)}

    insert_dicts(Certificate, (certificate(n, a) for n, a in enumerate(applications)))


def measure_tickets(data_dir: str) -> str:
    open_django(data_dir)
    from skilleval.scheduling import tickets
    from skilleval.scheduling.models import Ticket

    first = list(Ticket.objects.order_by("pk").values_list("pk", flat=True)[:5])
    tickets.combined_pdf(Ticket.objects.filter(pk__in=first))  # imports, fonts and caches before the baseline
    before, started = current_mb(), time.perf_counter()
    pdf = tickets.combined_pdf(Ticket.objects.all())
    elapsed = time.perf_counter() - started
    count = Ticket.objects.count()
    return (
        f"tickets: {count:,} in one combined PDF ({len(pdf) / 2**20:.0f} MB) in {elapsed:.0f} s; "
        f"peak RSS {peak_mb():.0f} MB, {peak_mb() - before:.0f} MB over the process before the job ({before:.0f} MB)"
    )


def measure_export(data_dir: str) -> str:
    """As the export view runs it: rows made a chunk at a time and written as they come."""
    open_django(data_dir)
    from skilleval.core.counting import Counted
    from skilleval.results.exports import HEADERS, iter_results_rows, results_csv, results_xlsx

    list(iter_results_rows(date(2026, 11, 1), date(2026, 11, 1)))  # imports and caches before the baseline
    before, started = current_mb(), time.perf_counter()
    rows = Counted(iter_results_rows())
    xlsx = results_xlsx(HEADERS, rows)
    csv_bytes = results_csv(HEADERS, iter_results_rows())
    elapsed = time.perf_counter() - started
    return (
        f"export: {rows.count:,} rows (xlsx {len(xlsx) / 2**20:.1f} MB, csv {len(csv_bytes) / 2**20:.1f} MB) in "
        f"{elapsed:.0f} s, streamed a chunk at a time; peak RSS {peak_mb():.0f} MB, "
        f"{peak_mb() - before:.0f} MB over the process before the job ({before:.0f} MB)"
    )


def measure_certificates(data_dir: str) -> str:
    """As the certificates export view runs it: rows made as the query yields them, written as they come."""
    open_django(data_dir)
    from skilleval.certificates.exports import certificate_rows, certificates_csv, certificates_xlsx
    from skilleval.core.counting import Counted

    list(certificate_rows(date(2000, 1, 1), date(2000, 1, 1))[1])  # imports and caches before the baseline
    before, started = current_mb(), time.perf_counter()
    headers, read = certificate_rows()
    rows = Counted(read)
    xlsx = certificates_xlsx(headers, rows)
    csv_bytes = certificates_csv(*certificate_rows())
    elapsed = time.perf_counter() - started
    return (
        f"certificates: {rows.count:,} rows (xlsx {len(xlsx) / 2**20:.1f} MB, csv {len(csv_bytes) / 2**20:.1f} MB) "
        f"in {elapsed:.0f} s, streamed as read; peak RSS {peak_mb():.0f} MB, "
        f"{peak_mb() - before:.0f} MB over the process before the job ({before:.0f} MB)"
    )


def child(step: str, data_dir: str) -> None:
    if step == "seed":
        seed(data_dir)
    elif step == "tickets":
        print(measure_tickets(data_dir), flush=True)
    elif step == "certificates":
        print(measure_certificates(data_dir), flush=True)
    else:
        print(measure_export(data_dir), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", choices=["seed", "tickets", "export", "certificates"])
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data_dir)
        return
    with tempfile.TemporaryDirectory() as data_dir:
        for step in ("seed", "tickets", "export", "certificates"):
            subprocess.run([sys.executable, __file__, "--child", step, "--data-dir", data_dir], check=True)


if __name__ == "__main__":
    main()
