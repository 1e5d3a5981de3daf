"""Planning speed (issue 6 "Speed"): a month of 10,000 and of 100,000 paid applications into sessions and
seats, each in a fresh database; target under a minute for 100,000, and growth no faster than n log n.

Each size runs in its own process and database. The time is `plan_month` end to end: reading the ready
candidates, the planner, and writing the draft sessions and seat rows (two per candidate). The n log n
bound is printed beside the measured growth: 100,000 / 10,000 x log(100,000) / log(10,000) = 12.5.

    .venv/bin/python bench/planning.py                  # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skilleval_bench_plan .venv/bin/python bench/planning.py
"""

import io
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SKILLEVAL_DATA_DIR"] = data_dir
    os.environ.setdefault("TASKS_BACKEND", "immediate")
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)  # one notice line per candidate would drown the figures
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":  # a fresh schema each run, like the temporary SQLite file
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    call_command("load_notice", stdout=io.StringIO())
    from skilleval.workdays.services import load_package_calendar

    load_package_calendar(by=None)


def child(n: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(data_dir)
        from django.utils import timezone

        from skilleval.catalog.models import CatalogItem
        from skilleval.scheduling.models import Room, SeatAssignment, Venue
        from skilleval.scheduling.services import plan_month
        from tests.scheduling.factories import seed_paid

        venue = Venue.objects.create(name="基准考点", address="愚园路 546 号")
        Room.objects.bulk_create(
            [Room(venue=venue, name=f"T{i:02d}", kind="theory", capacity=60) for i in range(40)]
            + [Room(venue=venue, name=f"P{i:02d}", kind="practical", capacity=40) for i in range(60)]
        )
        items = list(CatalogItem.objects.all())
        per_item, start = n // len(items), 0
        for k, item in enumerate(items):
            count = per_item + (n - per_item * len(items) if k == 0 else 0)
            day = 3 + k % 20
            seed_paid(item, count, submitted=timezone.make_aware(datetime(2026, 11, day, 10)), start=start)
            start += count
        started = time.perf_counter()
        plan = plan_month(2026, 11, by=None, earliest=date(2026, 12, 1))
        elapsed = time.perf_counter() - started
        seats = SeatAssignment.objects.count()
        print(f"RESULT {n} {elapsed:.3f} {plan.summary['placed']} {seats} {plan.summary['sessions']}")


def run(n: int) -> tuple[float, str]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n)], capture_output=True, text=True, check=True
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    _, _size, elapsed, placed, seats, sessions = line.split()
    return float(elapsed), f"{int(placed):,} placed, {int(seats):,} seats, {int(sessions):,} sessions"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
        raise SystemExit
    small, small_note = run(10_000)
    large, large_note = run(100_000)
    bound = 10 * math.log(100_000) / math.log(10_000)
    print(f"10,000 applications:  {small:6.2f} s  ({small_note})")
    print(f"100,000 applications: {large:6.2f} s  ({large_note}); target < 60 s")
    print(f"growth x{large / small:.1f} for x10 the applications; n log n allows x{bound:.1f}")
