"""Admission ticket speed (issue 6 "Speed"): 1,000 tickets with photo and QR code.

Prints, in the same run and on one core:
- the floor: reportlab drawing the same 1,000 pages from ticket data already in memory (no database work);
- ours: the institution's combined PDF end to end (tickets, seats, rooms, people from the database, each
  photo decrypted), and its ratio to the floor (target <= 1.5) and rate (target >= 100 tickets/s);
- the per-candidate files the ticket job draws and stores encrypted, as tickets per second.
Rounds alternate and medians are compared (single timings on a shared machine move by a third).

    .venv/bin/python bench/tickets.py                   # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skilleval_bench_tickets .venv/bin/python bench/tickets.py
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

N, ROUNDS = 1000, 3


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    from planning import setup_django

    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(data_dir)
        from django.utils import timezone

        from skilleval.accounts.models import User
        from skilleval.accounts.roles import Role
        from skilleval.accounts.services import grant_role
        from skilleval.catalog.models import CatalogItem
        from skilleval.core.pdf.ticket import render_tickets
        from skilleval.organization.models import Organization
        from skilleval.scheduling import tickets
        from skilleval.scheduling.models import Room, Ticket, Venue
        from skilleval.scheduling.services import fill_staff, plan_month, publish_plan
        from tests.scheduling.factories import seed_paid

        venue = Venue.objects.create(name="基准考点", address="静安区愚园路 546 号 8 号楼")
        Room.objects.bulk_create(
            [Room(venue=venue, name=f"第{i + 1}考场", kind="theory", capacity=60) for i in range(10)]
            + [Room(venue=venue, name=f"机房{i + 1}", kind="practical", capacity=40) for i in range(15)]
        )
        for i in range(300):  # practical: one examiner per 5 candidates
            grant_role(User.objects.create_user(username=f"examiner{i}"), Role.EXAMINER, by=None)
        item = CatalogItem.objects.get(occupation__code="4-04-05-01", level=4)
        seed_paid(item, N, submitted=timezone.make_aware(datetime(2026, 11, 5, 10)))
        plan = plan_month(2026, 11, by=None, earliest=date(2026, 12, 1))
        fill_staff(plan, by=None)
        publish_plan(plan, by=None)
        query = Ticket.objects.all()
        assert query.count() == N

        organization = Organization.objects.get(pk=1)
        data = [tickets._data(t, seats, organization, photo=True) for t, seats in tickets._tickets(query)]
        floors, ours, files = [], [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            render_tickets(data)
            floors.append(time.perf_counter() - started)
            started = time.perf_counter()
            pdf = tickets.combined_pdf(query)
            ours.append(time.perf_counter() - started)
            Ticket.objects.update(pdf_fingerprint="")  # draw them all again
            ids = list(query.values_list("pk", flat=True))
            started = time.perf_counter()
            tickets.generate_tickets(ids)
            files.append(time.perf_counter() - started)
        base, mine, each = (statistics.median(x) for x in (floors, ours, files))
        print(
            f"{N} tickets with photo and QR, one core, {ROUNDS} rounds, medians; one PDF of {len(pdf) / 1e6:.1f} MB"
        )
        print(f"floor (reportlab, data in memory): {base:.2f} s  ({N / base:,.0f} pages/s)")
        print(
            f"ours (combined PDF from the database): {mine:.2f} s  ({N / mine:,.0f} tickets/s); target >= 100/s"
        )
        print(f"ratio vs floor: {mine / base:.2f} (target <= 1.5)")
        print(f"one stored, encrypted file per candidate: {each:.2f} s  ({N / each:,.0f} tickets/s)")


if __name__ == "__main__":
    main()
