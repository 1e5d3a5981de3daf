"""Load test of the two peaks on PostgreSQL with 1, 2 and 4 web processes (issue 11 "Scale-out").

The peaks: application submission when a month opens (signed-in candidates POST /me/apply/ with the pledge,
each request a new application through the whole service: eligibility verdict, row lock, event, audit row,
notices) and public certificate verification (POST /api/v1/certificates/verify, hits and misses).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skilleval_loadtest REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/loadtest/run.py [--seconds 20] [--users 20] [--threads 4]

It refuses SQLite. The database gets a fresh schema with --certificates certificates (loaded with the code
of bench/certificate_verify.py) the first time or with --reload; every run adds the candidates it needs
(accounts with a photo, an adult birth date and a signed-in session). Then, for 1, 2 and 4 gunicorn worker
processes (gthread, the same --threads each) on 127.0.0.1, it runs each scenario headless for --seconds
with --users concurrent keep-alive users and prints requests/s, p50, p99 and errors.

The load generator is locust (headless, FastHttpUser; bench/loadtest/locustfile.py), found next to this
Python, on PATH or at $LOCUST; it is not in requirements.lock (install it in a separate virtual environment:
`python3.11 -m venv /tmp/locust && /tmp/locust/bin/pip install locust==2.47.0`, then LOCUST=/tmp/locust/bin/locust).
Without locust, `--generator threads` uses plain threads with http.client keep-alive connections instead.
The generator runs on the same machine as the server and takes CPU from it: on a small machine the figures
for more processes than cores show that ceiling, not the application's.
"""

import argparse
import csv
import http.client
import json
import os
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import certificate_verify as cv  # noqa: E402  (the loading code, the server start, the questions)

DATA_DIR = ROOT / "bench" / "out" / "loadtest"
PROCESSES = (1, 2, 4)
CANDIDATE_BASE = 5_000_000  # candidates' ID numbers never meet the certificate holders' (n < COUNT)
SCENARIOS = {"submit": "ApplicationSubmitter", "verify": "CertificateVerifier"}


# -- data ---------------------------------------------------------------------------------------------------


def ensure_certificates(count: int, reload: bool) -> None:
    cv.COUNT = count  # certificate_verify's functions read these at call time
    if reload or not cv.loaded():
        print(f"loading {count:,} certificates (bench/certificate_verify.py load()) …", flush=True)
        print(f"loaded in {cv.load():.0f} s", flush=True)
    else:
        print(f"reusing the {count:,} certificates loaded earlier (--reload to load again)", flush=True)


def submission_item():
    """An item in force today: the only hard gates at submission are age and bans (DOMAIN.md §4)."""
    from django.utils import timezone

    from skilleval.catalog.models import CatalogItem

    return CatalogItem.objects.in_force(timezone.localdate()).order_by("pk").first()


def add_candidates(count: int) -> None:
    """`count` more signed-in candidates, ready to submit: user, person with photo, a database session."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone

    from skilleval.accounts.models import User
    from skilleval.core.validators import mask_id_number
    from skilleval.people.models import Person
    from skilleval.people.services import id_index

    if count <= 0:
        return
    start = CANDIDATE_BASE + User.objects.filter(username__startswith="lt").count()
    backend = "skilleval.people.backends.IdentifierBackend"  # the one that signs people in (axes only guards)
    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    alphabet = string.ascii_lowercase + string.digits
    began = time.perf_counter()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"lt{n}", password="!" + secrets.token_hex(8))
                for n in range(start, start + count)
            ],
            batch_size=2000,
        )
        people = []
        for n, user in zip(range(start, start + count), users, strict=True):
            number = cv.id_number(n)
            people.append(
                Person(
                    full_name=cv.full_name(n),
                    id_type="resident_id",
                    id_number=number,
                    id_number_index=id_index("resident_id", number),
                    id_number_masked=mask_id_number(number),
                    birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                    photo_name="loadtest.jpg",  # submission checks that a photo is on file, not its bytes
                    user=user,
                )
            )
        Person.objects.bulk_create(people, batch_size=2000)
        Session.objects.bulk_create(
            [
                Session(
                    session_key="".join(secrets.choice(alphabet) for _ in range(32)),
                    session_data=store.encode(
                        {
                            "_auth_user_id": str(user.pk),
                            "_auth_user_backend": backend,
                            "_auth_user_hash": user.get_session_auth_hash(),
                        }
                    ),
                    expire_date=expires,
                )
                for user in users
            ],
            batch_size=2000,
        )
    print(f"added {count:,} candidates with sessions in {time.perf_counter() - began:.0f} s", flush=True)


def unused_sessions() -> list[str]:
    """Sessions of seeded candidates who have not applied yet."""
    from django.contrib.sessions.models import Session

    from skilleval.people.models import Person

    applied = {
        str(pk)
        for pk in Person.objects.filter(
            user__username__startswith="lt", applications__isnull=False
        ).values_list("user_id", flat=True)
    }
    out = []
    for session in Session.objects.iterator(chunk_size=5000):
        user_id = session.get_decoded().get("_auth_user_id")
        if user_id and user_id not in applied:
            out.append(session.session_key)
    return out


# -- the load generators ------------------------------------------------------------------------------------


def find_locust(explicit: str | None) -> str | None:
    for candidate in (explicit, os.environ.get("LOCUST"), str(Path(sys.executable).parent / "locust")):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("locust")


def run_locust(locust: str, port: int, scenario: str, users: int, seconds: float, data: Path) -> dict:
    with tempfile.TemporaryDirectory() as out:
        prefix = str(Path(out) / "stats")
        subprocess.run(
            [
                locust,
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{seconds:g}s",
                "--stop-timeout",
                "5",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
                SCENARIOS[scenario],
            ],
            env={**os.environ, "LOADTEST_DATA": str(data)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=seconds + 60,
            check=False,  # locust exits 1 when any request failed; the errors column says how many
        )
        with open(prefix + "_stats.csv", newline="") as file:
            row = next(r for r in csv.DictReader(file) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "errors": int(row["Failure Count"]),
        "rate": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p99": float(row["99%"]),
    }


def run_threads(port: int, scenario: str, users: int, seconds: float, data: dict) -> dict:
    """The same requests with plain threads and one http.client keep-alive connection each."""
    sessions = iter(data["submit"]["sessions"])
    verify = data["verify"]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    results: list[list[tuple[float, bool]]] = [[] for _ in range(users)]

    def request(conn: http.client.HTTPConnection, k: int) -> bool | None:
        if scenario == "verify":
            conn.request(
                "POST",
                "/api/v1/certificates/verify",
                verify[k % len(verify)][1].encode(),
                {"Content-Type": "application/json", "Host": "127.0.0.1"},
            )
            response = conn.getresponse()
            response.read()
            return response.status == 200
        with lock:
            session = next(sessions, None)
        if session is None:
            return None
        csrf = data["submit"]["csrf"]
        body = f"item={data['submit']['item']}&pledge=on&csrfmiddlewaretoken={csrf}"
        conn.request(
            "POST",
            "/me/apply/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
                "Host": "127.0.0.1",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status == 302 and "/me/applications/" in (response.getheader("Location") or "")

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        k = i
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                ok = request(conn, k)
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            if ok is None:
                break
            results[i].append((time.perf_counter() - began, ok))
            k += users
        conn.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    flat = [r for rs in results for r in rs]
    latencies = [t for t, _ok in flat]
    return {
        "requests": len(flat),
        "errors": sum(1 for _t, ok in flat if not ok),
        "rate": len(flat) / elapsed,
        "p50": cv.percentile(latencies, 50) if latencies else 0.0,
        "p99": cv.percentile(latencies, 99) if latencies else 0.0,
    }


def measure(locust, port, scenario, users, seconds, data, data_file) -> dict:
    if locust:
        return run_locust(locust, port, scenario, users, seconds, data_file)
    return run_threads(port, scenario, users, seconds, data)


# -- main ---------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per scenario and process count")
    parser.add_argument("--users", type=int, default=20, help="concurrent keep-alive users")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per process")
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--reload", action="store_true", help="load the certificates again (fresh schema)")
    parser.add_argument("--generator", choices=["locust", "threads"], default="locust")
    parser.add_argument("--locust", help="path of the locust executable")
    parser.add_argument("--processes", default=",".join(map(str, PROCESSES)), help="e.g. 1,2,4")
    args = parser.parse_args()
    processes = [int(p) for p in args.processes.split(",")]
    locust = None
    if args.generator == "locust":
        locust = find_locust(args.locust)
        if locust is None:
            raise SystemExit(
                "locust not found (it is not in requirements.lock): install it apart and set LOCUST=…/bin/locust, "
                "or use --generator threads"
            )

    cv.DATA_DIR = DATA_DIR  # the keys and the server's data directory of this bench, not certificate_verify's
    url = os.environ.get("DATABASE_URL", "")
    cv.prepare_database(url)  # refuses SQLite
    (DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")  # no console mail
    cv.setup_django()
    started = time.perf_counter()
    ensure_certificates(args.certificates, args.reload)
    item = submission_item()
    # Enough candidates for the submission rate of a 2-core machine (~35 req/s) with a wide margin.
    need = int(150 * args.seconds * len(processes) + 2_000)
    add_candidates(need - len(unused_sessions()))
    bodies = [[kind, body.decode()] for kind, body in cv.questions(sample=min(20_000, args.certificates))]
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret, cookie and field alike
    from django.db import connections

    rows = []
    for workers in processes:
        cv.raise_limits()  # empties the lookup log, raises the per-client limits (one client address here)
        sessions = unused_sessions()
        data = {"verify": bodies, "submit": {"item": item.pk, "csrf": csrf, "sessions": sessions}}
        data_file = DATA_DIR / "loadtest-data.json"
        data_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        connections.close_all()
        port = cv.free_port()
        server = cv.start_server(port, workers, args.threads)
        try:
            measure(locust, port, "verify", args.users, 3, data, data_file)  # warm-up: imports, connections
            for scenario in ("submit", "verify"):
                result = measure(locust, port, scenario, args.users, args.seconds, data, data_file)
                rows.append((workers, scenario, result))
                print(
                    f"  {workers} process(es) {scenario}: {result['rate']:,.0f} req/s, "
                    f"p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms, errors {result['errors']}",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    print()
    generator = (
        f"locust {args.users} users (FastHttpUser)" if locust else f"{args.users} threads (http.client)"
    )
    print(
        f"PostgreSQL, gunicorn gthread x {args.threads} threads, DEBUG=false, "
        f"REDIS_URL {'set' if os.environ.get('REDIS_URL') else 'unset'}; {generator} on loopback, "
        f"{args.seconds:g} s per row, {os.cpu_count()} CPUs shared by server, database and load generator"
    )
    print(
        f"{'processes':>9} | {'scenario':<8} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>12}"
    )
    print(f"{'-' * 9}-+-{'-' * 8}-+-{'-' * 8}-+-{'-' * 7}-+-{'-' * 7}-+-{'-' * 12}")
    for workers, scenario, r in sorted(rows, key=lambda row: (row[1], row[0])):
        share = r["errors"] / r["requests"] if r["requests"] else 0
        print(
            f"{workers:>9} | {scenario:<8} | {r['rate']:>8,.0f} | {r['p50']:>7.0f} | {r['p99']:>7.0f} | "
            f"{r['errors']:>5} ({share:.1%})"
        )
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
