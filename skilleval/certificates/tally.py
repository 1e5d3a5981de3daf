"""Counters and the lookup log of public verification, kept off the database's critical path.

With Redis (REDIS_URL) the counters of a client (requests this minute, misses these ten minutes) are read
and bumped in one pipelined round trip, and each lookup's log row is appended to a Redis list in a second
one; the request that fills a batch (settings.VERIFICATION_LOG_BATCH) moves the batch into the
`Verification` table in one insert, and `flush_log()` (the `flush_verification_log` command, and every
reader of the table here) moves whatever is left. Without Redis (the embedded setup) the counters live in
this process's cache and each row is written at once. Either way every lookup is logged, as keyed digests.
"""

import json
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.utils import timezone

from skilleval.certificates.models import Verification
from skilleval.dbtools import insert_dicts

MISS_WINDOW = 600  # seconds: misses count towards the challenge for ten minutes
LOG_KEY = "verify:log"


_CLIENTS: dict = {}


def _redis():
    """The Redis client behind the default cache, or None. Kept per process: Django builds a new client
    object (with its callback table) on every call, which cost more than the round trip itself."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    client = _CLIENTS.get(id(backend._cache))
    if client is None:
        client = _CLIENTS[id(backend._cache)] = backend._cache.get_client(None, write=True)
    return client


def _keys(client: str) -> tuple[str, str]:
    now = int(time.time())
    return (
        cache.make_and_validate_key(f"verify:req:{client}:{now // 60}"),
        cache.make_and_validate_key(f"verify:miss:{client}:{now // MISS_WINDOW}"),
    )


def count_request(client: str) -> tuple[int, int]:
    """Count this request; return (requests this minute including it, misses in the window)."""
    minute, misses = _keys(client)
    redis = _redis()
    if redis is not None:
        pipe = redis.pipeline(transaction=False)
        pipe.incr(minute)
        pipe.expire(minute, 120)
        pipe.get(misses)
        asked, _ok, missed = pipe.execute()
        return int(asked), int(missed or 0)
    return _bump(minute, 120), cache.get(misses, 0)


def _bump(key: str, timeout: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # not there yet (or expired)
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)


def log(
    *, client: str, query: str, channel: str, outcome: str, certificate_id: int | None, miss: bool
) -> None:
    row = {
        "at": timezone.now().isoformat(),
        "client": client,
        "query": query,
        "channel": channel,
        "outcome": outcome,
        "certificate_id": certificate_id,
    }
    redis = _redis()
    if redis is None:
        if miss:
            _bump(_keys(client)[1], MISS_WINDOW * 2)
        Verification.objects.create(**{**row, "at": timezone.now()})
        return
    pipe = redis.pipeline(transaction=False)
    pipe.rpush(cache.make_and_validate_key(LOG_KEY), json.dumps(row))
    if miss:
        misses = _keys(client)[1]
        pipe.incr(misses)
        pipe.expire(misses, MISS_WINDOW * 2)
    length = pipe.execute()[0]
    if length >= getattr(settings, "VERIFICATION_LOG_BATCH", 200):
        flush_log()


def flush_log(limit: int = 5000) -> int:
    """Move the buffered log rows into the table; returns how many. Safe to run from many processes: each
    row is popped by exactly one."""
    redis = _redis()
    if redis is None:
        return 0
    key, moved = cache.make_and_validate_key(LOG_KEY), 0
    while True:
        batch = redis.lpop(key, limit) or []
        if not batch:
            return moved
        rows = [json.loads(item) for item in batch]
        with transaction.atomic():
            if connection.vendor == "postgresql":  # a lost log batch is a lookup record, nothing more
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            insert_dicts(Verification, ({**r, "at": _parse(r["at"])} for r in rows))
        moved += len(rows)
        if len(batch) < limit:
            return moved


def _parse(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)
