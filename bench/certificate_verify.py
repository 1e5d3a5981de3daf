"""Public certificate verification under load (issue 8, SECURITY.md "Public certificate verification").

Loads 1,000,000 certificates (with their people and applications) into PostgreSQL, starts gunicorn with the
product's settings (DEBUG=false) and measures, with 10 concurrent keep-alive clients on loopback and in the
same run:

(a) the floor: a bare Django JSON view that parses the same body and does no database work, served by the
    same server through the same middleware (it exists only in this file's URLconf, never in the product);
(b) POST /api/v1/certificates/verify, hits and misses, with every protection on: the per-client count, the
    miss count for the challenge and the lookup log run on every request. The bench is one client address,
    so the policy limits are raised far enough that they count but never refuse (printed with the figures).

Prints requests/s of both, their ratio (target >= 50 %) and p50/p99 of the verify calls (target p99 < 50 ms).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skilleval_bench_cert REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bench/certificate_verify.py

With REDIS_URL the counters and the lookup log buffer are in Redis, as in a deployment with several workers;
without it each worker counts for itself and writes every log row at once.

The data stays in that database and its keys under bench/out/ between runs (--reload loads afresh). Loading
uses COPY (skilleval.dbtools.insert_dicts); the statements are signed once per item, level and year (the
signature check costs the same whatever the statement says) and every row gets its own integrity tag, so
verification trusts them as it trusts issued ones.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_DIR = ROOT / "bench" / "out" / "certificate_verify"
COUNT = 1_000_000
CLIENTS = 10
WEIGHTS, CHECK = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], "10X98765432"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力云飞鹏宇浩然子轩欣怡梓涵一诺思远嘉"

urlpatterns = []  # this module is also the bench server's URLconf: see wsgi_app()


# -- the server side: the product, plus one bare JSON view ------------------------------------------------


def bare_json(request):
    """The floor: the same request through the same middleware, the body parsed, no database."""
    from django.http import JsonResponse

    json.loads(request.body or b"{}")
    return JsonResponse({"result": "not_found"})


def wsgi_app():
    """gunicorn's entry (`certificate_verify:wsgi_app()`): the product's settings with this module as the
    URLconf, which is the product's URLs plus /bench/json."""
    global urlpatterns
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    settings.ROOT_URLCONF = __name__
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from config.urls import urlpatterns as product

    urlpatterns = [path("bench/json", csrf_exempt(bare_json)), *product]
    return application


# -- the data -----------------------------------------------------------------------------------------------


def id_number(n: int) -> str:
    """A valid resident ID number (GB 11643-1999), a different one for every n."""
    birth = date(1970, 1, 1) + timedelta(days=n // 1000)
    body = f"310104{birth:%Y%m%d}{n % 1000:03d}"
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def full_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[n // len(SURNAMES) % len(GIVEN)] + GIVEN[n // 7 % len(GIVEN)]


def prepare_database(url: str) -> None:
    """Refuse SQLite; create the database when it does not exist yet."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(
            "certificate_verify.py measures PostgreSQL: set DATABASE_URL=postgres://… (SQLite refused)"
        )
    import psycopg

    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["SKILLEVAL_DATA_DIR"] = str(DATA_DIR)
    os.environ.setdefault("TASKS_BACKEND", "immediate")
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)


def loaded() -> bool:
    """The data of an earlier run, readable with the keys kept under bench/out/."""
    from django.db import connection

    from skilleval.certificates.models import Certificate
    from skilleval.certificates.services import trustworthy

    if "certificates_certificate" not in connection.introspection.table_names():
        return False
    sample = Certificate.objects.order_by("pk").first()
    return sample is not None and Certificate.objects.count() == COUNT and trustworthy(sample)


def load() -> float:
    import io

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from skilleval.applications.lifecycle import Status
    from skilleval.applications.models import Application, Channel
    from skilleval.catalog.models import CatalogItem
    from skilleval.certificates import signing
    from skilleval.certificates.models import Certificate
    from skilleval.certificates.services import certificate_tag
    from skilleval.core.validators import mask_id_number
    from skilleval.dbtools import insert_dicts, reserve_ids
    from skilleval.organization.models import Organization
    from skilleval.people.models import Person
    from skilleval.people.services import id_index

    with connection.cursor() as cursor:  # a fresh schema, like a temporary SQLite file
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    call_command("load_notice", stdout=io.StringIO())
    started = time.perf_counter()
    filing = Organization.objects.get(pk=1).filing_number
    items = list(CatalogItem.objects.select_related("occupation", "work_type").order_by("pk"))
    now = timezone.now()
    with transaction.atomic():
        people, applications = reserve_ids(Person, COUNT), reserve_ids(Application, COUNT)
        insert_dicts(
            Person,
            (
                {
                    "id": people[n],
                    "full_name": full_name(n),
                    "id_type": "resident_id",
                    "id_number": number,
                    "id_number_index": id_index("resident_id", number),
                    "id_number_masked": mask_id_number(number),
                    "birth_date": date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                }
                for n in range(COUNT)
                for number in (id_number(n),)
            ),
            with_pk=True,
        )
        print(f"  people:       {time.perf_counter() - started:6.1f} s", flush=True)
        insert_dicts(
            Application,
            (
                {
                    "id": applications[n],
                    "number": f"B{n:09d}",
                    "person_id": people[n],
                    "item_id": items[n % len(items)].pk,
                    "occupation_id": items[n % len(items)].occupation_id,
                    "work_type_id": items[n % len(items)].work_type_id,
                    "level": items[n % len(items)].level,
                    "channel": Channel.ONLINE,
                    "status": Status.CERTIFIED,
                    "submitted_at": now,
                }
                for n in range(COUNT)
            ),
            with_pk=True,
        )
        print(f"  applications: {time.perf_counter() - started:6.1f} s", flush=True)
        signed, serials = {}, {}

        def certificate(n: int) -> dict:
            item = items[n % len(items)]
            year = 2024 + n % 3
            issued_on = date(year, 1 + n // 7 % 12, 1 + n // 11 % 28)
            prefix = f"{filing}{year % 100:02d}{item.level}"
            serials[prefix] = serials.get(prefix, 0) + 1
            number = f"{prefix}{serials[prefix]:06d}"
            shape = (item.pk, year)
            if shape not in signed:
                text = signing.statement(
                    number=number,
                    name=full_name(n),
                    id_masked=mask_id_number(id_number(n)),
                    occupation_code=item.occupation.code,
                    work_type=item.work_type.name if item.work_type_id else "--",
                    level=item.level,
                    issued_on=issued_on,
                )
                signed[shape] = (text, signing.sign(text))
            statement, signature = signed[shape]
            row = SimpleNamespace(
                number=number,
                application_id=applications[n],
                person_id=people[n],
                item_id=item.pk,
                level=item.level,
                issued_on=issued_on,
                statement=statement,
                signature=signature,
            )
            revoked = n % 100 == 99  # one in a hundred
            return {
                **vars(row),
                "tag": certificate_tag(row),
                "state": Certificate.State.REVOKED if revoked else Certificate.State.VALID,
                "revoked_at": now if revoked else None,
                "revoke_reason": "基准测试：撤销" if revoked else "",
            }

        insert_dicts(Certificate, (certificate(n) for n in range(COUNT)))
        print(f"  certificates: {time.perf_counter() - started:6.1f} s", flush=True)
    with connection.cursor() as cursor:
        for table in ("people_person", "applications_application", "certificates_certificate"):
            cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def questions(sample: int = 20_000, seed: int = 7) -> list[tuple[str, bytes]]:
    """Hits by number and by ID number, and misses of every kind, in a fixed shuffled order."""
    from skilleval.certificates.models import Certificate

    rng = random.Random(seed)
    picked = rng.sample(range(COUNT), sample)
    numbers = dict(
        Certificate.objects.filter(application__number__in=[f"B{n:09d}" for n in picked]).values_list(
            "application__number", "number"
        )
    )
    out = []
    for k, n in enumerate(picked):
        name, number = full_name(n), numbers[f"B{n:09d}"]
        kind = k % 10
        if kind < 4:
            out.append(("hit", {"number": number, "name": name}))
        elif kind == 4:
            out.append(("hit", {"id_number": id_number(n), "name": name}))
        elif kind < 8:
            out.append(("miss", {"number": number, "name": name + "某"}))
        elif kind == 8:
            out.append(("miss", {"number": number[:-6] + "999999", "name": name}))
        else:
            out.append(("miss", {"id_number": id_number(n), "name": "某" + name}))
    rng.shuffle(out)
    return [(kind, json.dumps(body, ensure_ascii=False).encode()) for kind, body in out]


def raise_limits() -> dict:
    from django.utils import timezone

    from skilleval.certificates.models import Verification
    from skilleval.organization.services import set_policy

    limits = {"verify.requests_per_minute": 1_000_000_000, "verify.misses_before_challenge": 1_000_000_000}
    for key, value in limits.items():
        set_policy(key, value, effective_from=timezone.localdate(), by=None, description="bench")
    from django.db import connection

    with connection.cursor() as cursor:  # every run starts with an empty lookup log, its statistics fresh
        cursor.execute(f"TRUNCATE {Verification._meta.db_table}")
        cursor.execute(f"ANALYZE {Verification._meta.db_table}")
    return limits


# -- the server and the clients ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SKILLEVAL_DATA_DIR": str(DATA_DIR),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "ERROR",  # a warning line per 429 would be measured too
    }
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [
            gunicorn,
            "--chdir",
            str(ROOT),
            "--pythonpath",
            f"{ROOT},{ROOT / 'bench'}",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            "certificate_verify:wsgi_app()",
        ],
        env=env,
    )
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not answer")


def hammer(port: int, path: str, bodies: list[tuple[str, bytes]], seconds: float) -> dict:
    """CLIENTS threads, one keep-alive connection each, as fast as answers come; latencies per kind."""
    deadline = time.perf_counter() + seconds
    results: list[list[tuple[str, float, int]]] = [[] for _ in range(CLIENTS)]

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        headers = {"Content-Type": "application/json", "Host": "127.0.0.1"}
        out = results[i]
        k = i
        while time.perf_counter() < deadline:
            kind, body = bodies[k % len(bodies)]
            k += CLIENTS
            began = time.perf_counter()
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            response.read()
            out.append((kind, time.perf_counter() - began, response.status))
        conn.close()

    began = time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - began
    flat = [r for rs in results for r in rs]
    statuses = {s for _k, _t, s in flat}
    if statuses != {200}:
        raise SystemExit(f"unexpected statuses from {path}: {sorted(statuses)}")
    return {"rate": len(flat) / elapsed, "latencies": flat}


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU time used so far (user + system, from /proc) by the server (gunicorn and its workers), PostgreSQL,
    Redis and this process (the clients): on a machine of two cores they all share, the ratio is set by the
    sum, not by the server alone."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"server": 0.0, "postgres": 0.0, "redis": 0.0, "clients": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        pid, parent, seconds = int(entry.name), int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
        if server_pid in (pid, parent):
            used["server"] += seconds
        elif name.startswith("postgres"):
            used["postgres"] += seconds
        elif name.startswith("redis-server"):
            used["redis"] += seconds
        elif pid == os.getpid():
            used["clients"] += seconds
    return used


def measured(server_pid: int, port: int, path: str, bodies: list, seconds: float) -> dict:
    """`hammer`, with the CPU each process spent per request."""
    before = cpu_seconds(server_pid)
    run = hammer(port, path, bodies, seconds)
    after = cpu_seconds(server_pid)
    count = len(run["latencies"])
    run["cpu"] = {k: (after[k] - before[k]) / count * 1e6 for k in before}
    return run


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reload", action="store_true", help="load the 1,000,000 certificates again")
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement (3 rounds each)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    prepare_database(url)
    (DATA_DIR / "static").mkdir(parents=True, exist_ok=True)  # WhiteNoise warns of a missing STATIC_ROOT
    setup_django()
    if args.reload or not loaded():
        print(f"loading {COUNT:,} certificates …", flush=True)
        print(f"loaded in {load():.0f} s")
    else:
        print(f"reusing the {COUNT:,} certificates loaded earlier (--reload to load again)")
    limits = raise_limits()
    bodies = questions()
    floor_bodies = [("floor", body) for _kind, body in bodies]
    from django.db import connections

    connections.close_all()  # the server's workers open their own
    port = free_port()
    server = start_server(port, args.workers, args.threads)
    try:
        hammer(port, "/bench/json", floor_bodies, 2)  # warm-up: imports, connections, caches
        hammer(port, "/api/v1/certificates/verify", bodies, 2)
        floors, verifies, latencies, cpu = [], [], [], {"floor": [], "verify": []}
        for _ in range(3):  # alternate, and compare medians: other work on the machine moves single runs
            run = measured(server.pid, port, "/bench/json", floor_bodies, args.seconds)
            floors.append(run["rate"])
            cpu["floor"].append(run["cpu"])
            run = measured(server.pid, port, "/api/v1/certificates/verify", bodies, args.seconds)
            verifies.append(run["rate"])
            cpu["verify"].append(run["cpu"])
            latencies.extend(run["latencies"])
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor, verify = statistics.median(floors), statistics.median(verifies)
    every = [t for _k, t, _s in latencies]
    hits = [t for k, t, _s in latencies if k == "hit"]
    misses = [t for k, t, _s in latencies if k == "miss"]
    from skilleval.certificates.models import Verification
    from skilleval.certificates.tally import flush_log

    flush_log()  # what the last partial batch still holds in Redis
    logged = Verification.objects.count()
    print(
        f"server: gunicorn, {args.workers} workers x {args.threads} threads (gthread), DEBUG=false, "
        f"{CLIENTS} keep-alive clients on loopback, {args.seconds:.0f} s x 3 rounds each, medians"
    )
    print(
        "policy raised for the bench's single client address (the limiter still counts on every request, "
        f"never refuses): {', '.join(f'{k}={v:,}' for k, v in limits.items())}"
    )
    print(f"(a) bare Django JSON view, no database:      {floor:8,.0f} req/s")
    print(f"(b) POST /api/v1/certificates/verify:        {verify:8,.0f} req/s  (half hits, half misses)")
    print(f"ratio (b)/(a): {verify / floor:.0%} (target >= 50 %)")
    for label, runs in (("(a)", cpu["floor"]), ("(b)", cpu["verify"])):
        each = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        parts = ", ".join(f"{k} {v:,.0f}" for k, v in each.items())
        print(f"CPU per request {label}: {sum(each.values()):,.0f} µs ({parts})")
    print(
        f"verify latency: p50 {percentile(every, 50):.1f} ms, p99 {percentile(every, 99):.1f} ms "
        f"(target p99 < 50 ms); hits p50 {percentile(hits, 50):.1f} / p99 {percentile(hits, 99):.1f} ms, "
        f"misses p50 {percentile(misses, 50):.1f} / p99 {percentile(misses, 99):.1f} ms"
    )
    print(
        f"lookup log at the end: {logged:,} rows (buffered in Redis and written in batches when REDIS_URL is "
        "set; the counters are in Redis too, one pipelined round trip per request)"
    )


if __name__ == "__main__":
    main()
