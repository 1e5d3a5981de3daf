"""Group import speed and memory (issue 4 "Speed and memory").

Prints, for a 10,000-row file: the floor measured in the same run (reading the file with python-calamine
plus a bulk insert of the same rows), our import with every validation on, and their ratio (target ≤ 3).
With --memory it imports a 100,000-row file (row limit raised) in a fresh process and prints the peak
resident memory (target < 400 MB).

    .venv/bin/python bench/group_import.py            # SQLite in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skilleval_bench .venv/bin/python bench/group_import.py
"""

import argparse
import io
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
REGIONS = ["110105", "310101", "310104", "440304", "320102", "330106"]
ITEMS = [("4-04-05-05", "", "四级"), ("4-04-05-01", "", "三级"), ("4-04-04-02", "网络安全管理员", "四级")]


def id_number(rng: random.Random, serial: int, region: str) -> str:
    body = f"{region}{rng.randint(1970, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{serial % 1000:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def make_file(rows: int, seed: int = 7) -> bytes:
    """`rows` distinct students; each seed draws from its own region code, so rounds never collide."""
    import openpyxl

    from skilleval.applications.imports import COLUMNS

    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("报名信息")
    sheet.append([c.label for c in COLUMNS])
    seen = set()
    for i in range(rows):
        region = REGIONS[seed % len(REGIONS)]
        number = id_number(rng, i, region)
        while number in seen:
            number = id_number(rng, rng.randint(0, 999), region)
        seen.add(number)
        code, work_type, level = rng.choice(ITEMS)
        sheet.append(
            [
                f"学员{i:06d}",
                "居民身份证",
                number,
                f"13{rng.randint(100000000, 999999999)}",
                "",
                code,
                work_type,
                level,
                "",
                "普通高中",
                "",
                "2005-07-01",
                "",
                f"{rng.randint(2008, 2020)}-07-01",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def setup_django(data_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SKILLEVAL_DATA_DIR"] = data_dir
    os.environ.setdefault("TASKS_BACKEND", "immediate")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_notice", stdout=io.StringIO())


def fixtures():
    from skilleval.accounts.models import Institution, User
    from skilleval.accounts.roles import Role
    from skilleval.accounts.services import grant_role

    school, _ = Institution.objects.get_or_create(
        name="基准测试学校", defaults={"uscc": "91310000132200821H"}
    )
    user, created = User.objects.get_or_create(username="bench_school", defaults={"institution": school})
    if created:
        grant_role(user, Role.INSTITUTION, by=None)
    return school, user


def floor(data: bytes) -> float:
    """Read every cell with python-calamine and bulk-insert the same rows into a plain 20-column table."""
    from django.db import connection
    from python_calamine import CalamineWorkbook

    columns = [f"c{i}" for i in range(20)]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        key = "id bigserial primary key" if connection.vendor == "postgresql" else "id integer primary key"
        cursor.execute(f"CREATE TABLE bench_floor ({key}, {', '.join(c + ' text' for c in columns)})")
    from django.db import models

    class Floor(models.Model):
        class Meta:
            app_label = "applications"
            db_table = "bench_floor"
            managed = False

    for name in columns:
        models.TextField(null=True).contribute_to_class(Floor, name)
    started = time.perf_counter()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    rows = sheet.to_python()[1:]
    Floor.objects.bulk_create(
        [Floor(**{c: str(v) for c, v in zip(columns, row, strict=False)}) for row in rows], batch_size=1000
    )
    return time.perf_counter() - started


def ours(data: bytes, filename: str) -> tuple[float, int]:
    from skilleval.applications.imports import import_group_file

    school, user = fixtures()
    started = time.perf_counter()
    result = import_group_file(institution=school, user=user, data=data, filename=filename)
    elapsed = time.perf_counter() - started
    if result.errors:
        raise SystemExit(f"unexpected errors: {[e.message_en for e in result.errors[:5]]}")
    return elapsed, result.batch.rows


def speed(rows: int, rounds: int = 3) -> None:
    """Floor and import alternate for several rounds, each on fresh students; medians are compared, since
    this machine's other work moves single timings by a third."""
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(data_dir)
        floors, imports = [], []
        for seed in range(rounds):
            data = make_file(rows, seed=seed)
            floors.append(floor(data))
            mine, written = ours(data, f"bench-{rows}-{seed}.xlsx")
            imports.append(mine)
        base, mine = statistics.median(floors), statistics.median(imports)
        print(f"rows: {written} per round, {rounds} rounds, medians")
        print(f"floor (calamine read + bulk insert): {base:.2f} s  ({rows / base:,.0f} rows/s)")
        print(f"our import, every validation on:     {mine:.2f} s  ({rows / mine:,.0f} rows/s)")
        print(f"ratio vs floor: {mine / base:.2f} (target <= 3)")


def memory(rows: int) -> None:
    """Run in a child process so its peak RSS is the import's alone."""
    if os.environ.get("BENCH_CHILD") != "1":
        env = {**os.environ, "BENCH_CHILD": "1"}
        subprocess.run([sys.executable, __file__, "--memory", "--rows", str(rows)], env=env, check=True)
        return
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(data_dir)
        from skilleval.organization.models import PolicySetting

        PolicySetting.objects.filter(key="import.max_rows").update(value=rows)
        data = make_file(rows)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        elapsed, written = ours(data, f"bench-{rows}.xlsx")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{written} rows imported in {elapsed:.1f} s; peak RSS {peak:.0f} MB (before the import {before:.0f} MB);"
            f" target < 400 MB"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int)
    parser.add_argument("--memory", action="store_true")
    args = parser.parse_args()
    if args.memory:
        memory(args.rows or 100_000)
    else:
        speed(args.rows or 10_000)
