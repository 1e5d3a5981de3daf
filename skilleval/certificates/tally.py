"""Counters and the lookup log of public verification, kept off the database's critical path.

With Redis (REDIS_URL) one script, atomic in Redis and one round trip, counts the request, decides
(limited, challenged, or the lookup's own hit or miss), counts a miss and appends the lookup's log row to a
Redis list, as the very line PostgreSQL's COPY reads; the request that fills a batch
(settings.VERIFICATION_LOG_BATCH) moves the batch into the `Verification` table in one COPY, and
`flush_log()` (the `flush_verification_log` command) moves whatever is left. Without Redis (the embedded
setup) the counters live in this process's cache and each row is written at once. Either way every lookup is
logged, as keyed digests.
"""

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import redis as redis_py
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from skilleval.certificates.models import Verification
from skilleval.dbtools import insert_dicts

MISS_WINDOW = 600  # seconds: misses count towards the challenge for ten minutes
LOG_KEY = "verify:log"
# A buffered log row is the line COPY reads, outcome first (the script decides it), tab-separated, `\N` for
# no certificate. Every value is ours and plain ASCII (a timestamp, two hex digests, a channel name, a
# number), so nothing in it needs escaping; `decide` refuses a channel that would.
LOG_COLUMNS = ("outcome", "at", "client", "query", "channel", "certificate_id")


_LOCAL = threading.local()


def _redis(backend):
    """The Redis client behind the cache `backend`, or None. Kept per thread, holding one connection of the
    cache's pool: Django builds a new client object (with its callback table) on every call, which cost
    more than the round trip itself, and taking a connection from the shared pool and giving it back (a
    lock, and a poll of the socket) cost a third of the client's own time per command."""
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


def _keys(backend, client: str) -> tuple[str, str]:
    # make_key, not make_and_validate_key: the keys are ASCII of a fixed shape (a hex digest and a number),
    # and the validation walked every character of three keys on every request.
    now = int(time.time())
    return (
        backend.make_key(f"verify:req:{client}:{now // 60}"),
        backend.make_key(f"verify:miss:{client}:{now // MISS_WINDOW}"),
    )


@dataclass(frozen=True)
class Limits:
    per_minute: int  # requests a client may make in a minute
    misses: int  # misses in the window after which a challenge is due
    challenge_solved: bool  # this request carries a solved challenge


# Count the request, decide, count a miss and append the log line: one round trip, atomic in Redis.
# A counter gets its expiry when it is created (its key names its minute or window, so it never needs more).
# KEYS: requests this minute, misses this window, the log list. ARGV: per-minute limit, miss limit,
# challenge solved (1/0), outcome if allowed (hit/miss), the line's middle (at, client, query, channel),
# the miss window, the certificate found (or \N). Only a hit names its certificate.
_DECIDE = r"""
local asked = redis.call('INCR', KEYS[1])
if asked == 1 then redis.call('EXPIRE', KEYS[1], 120) end
local misses = tonumber(redis.call('GET', KEYS[2]) or '0')
local outcome = ARGV[4]
if asked > tonumber(ARGV[1]) then
  outcome = 'limited'
elseif misses >= tonumber(ARGV[2]) and ARGV[3] == '0' then
  outcome = 'challenged'
elseif outcome == 'miss' then
  if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6])) end
end
local certificate = '\\N'
if outcome == 'hit' then certificate = ARGV[7] end
local length = redis.call('RPUSH', KEYS[3], outcome .. '\t' .. ARGV[5] .. '\t' .. certificate)
return {outcome, length}
"""


def decide(
    *,
    client: str,
    query: str,
    channel: str,
    found: bool,
    certificate_id: int | None,
    limits: Limits,
    at: datetime,
) -> str:
    """The outcome of one lookup (hit, miss, limited or challenged), counted and logged as made `at`."""
    if not channel.isalnum():
        raise ValueError(f"channel {channel!r}: a plain word, it goes into the log line as it is")
    allowed = Verification.Outcome.HIT if found else Verification.Outcome.MISS
    backend = caches["default"]
    redis = _redis(backend)
    if redis is None:
        return _decide_here(backend, client, query, channel, allowed, certificate_id, limits, at)
    script = _LOCAL.__dict__.get("decide")
    if script is None or script.registered_client is not redis:
        script = _LOCAL.decide = redis.register_script(_DECIDE)
    minute, misses = _keys(backend, client)
    outcome, length = script(
        keys=[minute, misses, backend.make_key(LOG_KEY)],
        args=[
            limits.per_minute,
            limits.misses,
            int(limits.challenge_solved),
            allowed,
            f"{at.isoformat()}\t{client}\t{query}\t{channel}",
            MISS_WINDOW * 2,
            certificate_id if found else r"\N",
        ],
    )
    if int(length) >= getattr(settings, "VERIFICATION_LOG_BATCH", 200):
        flush_log()
    return outcome.decode() if isinstance(outcome, bytes) else outcome


def _decide_here(backend, client, query, channel, allowed, certificate_id, limits, at) -> str:
    """Without Redis: this process's cache counts, and the row is written at once."""
    minute, misses = _keys(backend, client)
    asked, missed = _bump(backend, minute, 120), backend.get(misses, 0)
    if asked > limits.per_minute:
        outcome = Verification.Outcome.LIMITED
    elif missed >= limits.misses and not limits.challenge_solved:
        outcome = Verification.Outcome.CHALLENGED
    else:
        outcome = allowed
        if outcome == Verification.Outcome.MISS:
            _bump(backend, misses, MISS_WINDOW * 2)
    Verification.objects.create(
        at=at,
        client=client,
        query=query,
        channel=channel,
        outcome=outcome,
        certificate_id=certificate_id if outcome == Verification.Outcome.HIT else None,
    )
    return outcome


def _bump(backend, key: str, timeout: int) -> int:
    try:
        return backend.incr(key)
    except ValueError:  # not there yet (or expired)
        if backend.add(key, 1, timeout):
            return 1
        return backend.incr(key)


def flush_log(limit: int = 5000) -> int:
    """Move the buffered log rows into the table; returns how many. Safe to run from many processes: each
    row is popped by exactly one. On PostgreSQL the lines go to COPY as they are."""
    backend = caches["default"]
    redis = _redis(backend)
    if redis is None:
        return 0
    key, moved = backend.make_key(LOG_KEY), 0
    db = connections[DEFAULT_DB_ALIAS]
    while True:
        batch = redis.lpop(key, limit) or []
        if not batch:
            return moved
        lines = [_line(item if isinstance(item, bytes) else item.encode()) for item in batch]
        with transaction.atomic(), db.cursor() as cursor:
            if db.vendor == "postgresql":
                # A lost log batch is a lookup record, nothing more: no wait for the disk.
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                table, columns = Verification._meta.db_table, ", ".join(LOG_COLUMNS)
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(b"\n".join(lines) + b"\n")
            else:
                insert_dicts(Verification, map(_row, lines))
        moved += len(batch)
        if len(batch) < limit:
            return moved


def _line(item: bytes) -> bytes:
    """A buffered row as a COPY line. Rows queued by an earlier version, as JSON (whole, or after
    `outcome|`), are turned into one, so an upgrade with rows still buffered loses none."""
    if item.startswith(b"{"):
        row = json.loads(item)
    elif b"|{" in item:
        outcome, _bar, data = item.partition(b"|")
        row = {**json.loads(data), "outcome": outcome.decode()}
    else:
        return item
    hit = row["outcome"] == Verification.Outcome.HIT and row.get("certificate_id") is not None
    values = [row[c] for c in LOG_COLUMNS[:-1]] + [row["certificate_id"] if hit else r"\N"]
    return "\t".join(map(str, values)).encode()


def _row(line: bytes) -> dict:
    row = dict(zip(LOG_COLUMNS, line.decode().split("\t"), strict=True))
    row["at"] = datetime.fromisoformat(row["at"])
    row["certificate_id"] = None if row["certificate_id"] == r"\N" else int(row["certificate_id"])
    return row
