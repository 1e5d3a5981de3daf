"""Is this configuration fit for production? (issue 11 "Scale-out"; README "Production").

    python manage.py check_production          # or: make prod-check

Prints one line per problem and exits 1, or prints "production configuration OK". It reads the settings
the process would run with (the environment, through config/settings.py), runs Django's deployment checks
and tries to reach PostgreSQL and Redis. A deployment check that the front proxy takes care of (for example
security.W008 when the proxy redirects to HTTPS) can be named with --ignore.
"""

import ipaddress
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lstrip(".")
    if host.lower() in LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _generated_secret_key() -> str | None:
    """The key config/env.py generates into the data directory when SECRET_KEY is not in the environment."""
    path = Path(getattr(settings, "DATA_DIR", "")) / "secret_key"
    try:
        return path.read_text().strip()
    except OSError:
        return None


def database_engine() -> str:
    from django.db import connections

    return connections["default"].settings_dict["ENGINE"]


def configuration_problems() -> list[str]:
    """The settings a production deployment must not have, each as one English line."""
    problems = []
    if settings.DEBUG:
        problems.append("DEBUG is on: set DEBUG=false")
    engine = database_engine()
    if "postgresql" not in engine:
        problems.append(f"the database is not PostgreSQL ({engine}): set DATABASE_URL=postgres://…")
    if not getattr(settings, "REDIS_URL", None):
        problems.append(
            "REDIS_URL is missing: Redis holds the job queue and the cache shared by the web processes"
        )
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != "django_tasks_rq.RQBackend":
        problems.append(f"TASKS_BACKEND is not rq ({backend}): set TASKS_BACKEND=rq and run RQ workers")
    generated = _generated_secret_key()
    if generated is not None and generated == settings.SECRET_KEY:
        problems.append(
            "SECRET_KEY comes from the generated file in the data directory: pass it in the environment"
        )
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts or all(_is_loopback(h) for h in hosts):
        problems.append(
            f"ALLOWED_HOSTS names only loopback ({','.join(hosts) or 'empty'}): set the public host names"
        )
    default_keys_file = str(Path(getattr(settings, "DATA_DIR", "")) / "keys" / "field-keys.json")
    if not getattr(settings, "FIELD_KEYS_JSON", None) and str(settings.FIELD_KEYS_FILE) == default_keys_file:
        problems.append(
            "the field keys come from the generated file in the data directory: "
            "set SKILLEVAL_FIELD_KEYS or SKILLEVAL_KEYS_FILE (kept apart from the database and its backups)"
        )
    public_url = getattr(settings, "PUBLIC_URL", "")
    if not public_url.startswith("https://"):
        problems.append(f"SKILLEVAL_PUBLIC_URL is not https ({public_url}): certificate QR codes open it")
    if not settings.SESSION_COOKIE_SECURE:
        problems.append("the session cookie is not Secure: set SECURE_COOKIES=true")
    if not settings.CSRF_COOKIE_SECURE:
        problems.append("the CSRF cookie is not Secure: set SECURE_COOKIES=true")
    return problems


def deployment_check_problems(ignore: set[str]) -> list[str]:
    """Django's `check --deploy`, warnings included (silenced ones and --ignore ones left out)."""
    silenced = set(settings.SILENCED_SYSTEM_CHECKS) | ignore
    messages = checks.run_checks(include_deployment_checks=True)
    return [
        "check --deploy: " + (f"{m.id}: " if m.id else "") + m.msg.split(". ")[0].rstrip(".")
        for m in messages
        if m.level >= checks.WARNING and m.id not in silenced
    ]


def reach_database() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def reach_redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    finally:
        client.close()


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def service_problems() -> list[str]:
    problems = []
    try:
        reach_database()
    except Exception as exc:
        problems.append(f"cannot reach the database: {_first_line(exc)}")
    if getattr(settings, "REDIS_URL", None):
        try:
            reach_redis()
        except Exception as exc:
            problems.append(f"cannot reach Redis: {_first_line(exc)}")
    return problems


class Command(BaseCommand):
    help = "Check that the configuration is fit for production (exit 1 with one line per problem)."
    requires_system_checks = []  # the deployment checks run below, their warnings reported as problems

    def add_arguments(self, parser):
        parser.add_argument(
            "--ignore",
            action="append",
            default=[],
            metavar="CHECK_ID",
            help="a `check --deploy` id the front proxy takes care of, e.g. security.W008 (repeatable)",
        )

    def handle(self, *args, ignore: list[str], **options):
        problems = configuration_problems() + deployment_check_problems(set(ignore)) + service_problems()
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise SystemExit(1)
        self.stdout.write("production configuration OK")
