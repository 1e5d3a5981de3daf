"""Worker health: a task that only proves a worker picked it up (`manage.py check_worker` enqueues it)."""

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

HEARTBEAT_KEY = "health:worker"
HEARTBEAT_TTL = 24 * 3600


@task()
def heartbeat(token: str = "") -> str:
    """Write the time (and the caller's token) into the shared cache; the caller watches the key change."""
    value = f"{timezone.now().isoformat()} {token}".strip()
    cache.set(HEARTBEAT_KEY, value, HEARTBEAT_TTL)
    return value
