"""Is a background worker running? Enqueue `heartbeat` and wait for it to touch the cache (exit 0 or 1).

Usable as a container health check for RQ workers (`rqworker default --job-class django_tasks_rq.Job`) and
for `db_worker`:

    python manage.py check_worker --timeout 20

The heartbeat goes through the configured task backend, so it proves the whole path: the queue (Redis or the
database) accepts the job, a worker takes it, and the worker reaches the shared cache. With RQ the cache is
Redis and shared by every process; with the database queue and no REDIS_URL the cache is per process, so
the check needs REDIS_URL to see the worker's write.
"""

import secrets
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand

from skilleval.jobs.tasks import HEARTBEAT_KEY, heartbeat


class Command(BaseCommand):
    help = "Enqueue a heartbeat job and wait until a worker has run it (exit 1 if none does in time)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (default 30)")
        parser.add_argument("--interval", type=float, default=0.2, help="seconds between looks at the cache")

    def handle(self, *args, timeout: float, interval: float, **options):
        token = secrets.token_hex(8)
        before = cache.get(HEARTBEAT_KEY)
        started = time.monotonic()
        try:
            heartbeat.enqueue(token)
        except Exception as exc:
            self.stderr.write(
                f"worker check failed: could not enqueue the heartbeat ({type(exc).__name__}: {exc})"
            )
            raise SystemExit(1) from None
        deadline = started + timeout
        while True:
            value = cache.get(HEARTBEAT_KEY)
            if value != before and value and value.endswith(token):
                self.stdout.write(
                    f"worker OK: heartbeat ran after {time.monotonic() - started:.2f} s ({value})"
                )
                return
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        self.stderr.write(
            f"worker check failed: no worker ran the heartbeat within {timeout:g} s "
            f"(last heartbeat: {before or 'never'})"
        )
        raise SystemExit(1)
