"""Counters and the lookup log of public verification, kept off the database's critical path.

With Redis (REDIS_URL) one script, atomic in Redis and one round trip, counts the request, decides
(limited, challenged, or the lookup's own hit or miss), counts a miss and appends the lookup's log row to a
Redis list; the request that fills a batch (settings.VERIFICATION_LOG_BATCH) moves the batch into the
`Verification` table in one insert, and `flush_log()` (the `flush_verification_log` command) moves whatever
is left. Without Redis (the embedded setup) the counters live in
this process's cache and each row is written at once. Either way every lookup is logged, as keyed digests.
"""

import json
import threading
import time
from dataclasses import dataclass

import redis as redis_py
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.utils import timezone

from skilleval.certificates.models import Verification
from skilleval.dbtools import insert_dicts

MISS_WINDOW = 600  # seconds: misses count towards the challenge for ten minutes
LOG_KEY = "verify:log"


_LOCAL = threading.local()


def _redis():
    """The Redis client behind the default cache, or None. Kept per thread, holding one connection of the
    cache's pool: Django builds a new client object (with its callback table) on every call, which cost
    more than the round trip itself, and taking a connection from the shared pool and giving it back (a
    lock, and a poll of the socket) cost a third of the client's own time per command."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    clients = _LOCAL.__dict__.setdefault("clients", {})
    client = clients.get(id(backend._cache))
    if client is None:
        pool = backend._cache.get_client(None, write=True).connection_pool
        client = clients[id(backend._cache)] = redis_py.Redis(
            connection_pool=pool, single_connection_client=True
        )
    return client


def _keys(client: str) -> tuple[str, str]:
    # make_key, not make_and_validate_key: the keys are ASCII of a fixed shape (a hex digest and a number),
    # and the validation walked every character of three keys on every request.
    now = int(time.time())
    return (
        cache.make_key(f"verify:req:{client}:{now // 60}"),
        cache.make_key(f"verify:miss:{client}:{now // MISS_WINDOW}"),
    )


@dataclass(frozen=True)
class Limits:
    per_minute: int  # requests a client may make in a minute
    misses: int  # misses in the window after which a challenge is due
    challenge_solved: bool  # this request carries a solved challenge


# Count the request, decide, count a miss and append the log row: one round trip, atomic in Redis.
# KEYS: requests this minute, misses this window, the log list. ARGV: per-minute limit, miss limit,
# challenge solved (1/0), outcome if allowed (hit/miss), the row without its outcome, the miss window.
_DECIDE = """
local asked = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 120)
local misses = tonumber(redis.call('GET', KEYS[2]) or '0')
local outcome = ARGV[4]
if asked > tonumber(ARGV[1]) then
  outcome = 'limited'
elseif misses >= tonumber(ARGV[2]) and ARGV[3] == '0' then
  outcome = 'challenged'
elseif outcome == 'miss' then
  redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6]))
end
local length = redis.call('RPUSH', KEYS[3], outcome .. '|' .. ARGV[5])
return {outcome, length}
"""


def decide(
    *, client: str, query: str, channel: str, found: bool, certificate_id: int | None, limits: Limits
) -> str:
    """The outcome of one lookup (hit, miss, limited or challenged), counted and logged."""
    allowed = Verification.Outcome.HIT if found else Verification.Outcome.MISS
    row = {"at": timezone.now().isoformat(), "client": client, "query": query, "channel": channel}
    redis = _redis()
    if redis is None:
        return _decide_here(row, allowed, certificate_id, limits)
    script = _LOCAL.__dict__.get("decide")
    if script is None or script.registered_client is not redis:
        script = _LOCAL.decide = redis.register_script(_DECIDE)
    minute, misses = _keys(client)
    if allowed == Verification.Outcome.HIT:
        row["certificate_id"] = certificate_id
    outcome, length = script(
        keys=[minute, misses, cache.make_key(LOG_KEY)],
        args=[
            limits.per_minute,
            limits.misses,
            int(limits.challenge_solved),
            allowed,
            json.dumps(row),
            MISS_WINDOW * 2,
        ],
    )
    if int(length) >= getattr(settings, "VERIFICATION_LOG_BATCH", 200):
        flush_log()
    return outcome.decode() if isinstance(outcome, bytes) else outcome


def _decide_here(row: dict, allowed: str, certificate_id: int | None, limits: Limits) -> str:
    """Without Redis: this process's cache counts, and the row is written at once."""
    minute, misses = _keys(row["client"])
    asked, missed = _bump(minute, 120), cache.get(misses, 0)
    if asked > limits.per_minute:
        outcome = Verification.Outcome.LIMITED
    elif missed >= limits.misses and not limits.challenge_solved:
        outcome = Verification.Outcome.CHALLENGED
    else:
        outcome = allowed
        if outcome == Verification.Outcome.MISS:
            _bump(misses, MISS_WINDOW * 2)
    Verification.objects.create(
        **{**row, "at": timezone.now()},
        outcome=outcome,
        certificate_id=certificate_id if outcome == Verification.Outcome.HIT else None,
    )
    return outcome


def _bump(key: str, timeout: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # not there yet (or expired)
        if cache.add(key, 1, timeout):
            return 1
        return cache.incr(key)


def flush_log(limit: int = 5000) -> int:
    """Move the buffered log rows into the table; returns how many. Safe to run from many processes: each
    row is popped by exactly one."""
    redis = _redis()
    if redis is None:
        return 0
    key, moved = cache.make_key(LOG_KEY), 0
    while True:
        batch = redis.lpop(key, limit) or []
        if not batch:
            return moved
        rows = []
        for item in batch:
            text = item.decode() if isinstance(item, bytes) else item
            if text.startswith("{"):  # a row written whole, outcome inside (before the one-trip script)
                rows.append(json.loads(text))
                continue
            outcome, _bar, data = text.partition("|")
            rows.append({**json.loads(data), "outcome": outcome})
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
