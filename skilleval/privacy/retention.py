"""Retention (SECURITY.md "Personal data"): each category of personal data has a period, after which the
purge anonymises it (or deletes rows nothing refers to), deletes its private files and logs what it did.

The periods are policy defaults (`retention.*` in the notice file), read by the runner in
`skilleval.web.retention`, which also lists every area's categories. This module is the mechanism, below
every area: a category finds what expired and clears one chunk of it; `run_purge` walks the categories in
chunks of ids (bounded memory, short transactions), deletes the files once a chunk has committed, and writes
one PurgeRun row and one audit entry per run. A category finds only rows that still hold something to
clear, so a second run finds nothing.
"""

import calendar
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from skilleval.audit.models import Outcome
from skilleval.audit.services import record
from skilleval.core import context
from skilleval.privacy.files import delete_private
from skilleval.privacy.models import PurgeRun

log = logging.getLogger(__name__)

CHUNK = 1000
UNITS = ("days", "months", "years")


@dataclass(frozen=True)
class Purged:
    """What one chunk cleared: rows changed or deleted, and the private files to delete after commit."""

    rows: int = 0
    files: tuple[str, ...] = ()


class Category(ABC):
    """One kind of personal data with one period. `name` is the key in the log, `policy` the policy default
    that holds the period, `floor` a period the law sets as a minimum (a shorter policy is raised to it)."""

    name: str
    policy: str
    label: str
    floor: dict | None = None

    @abstractmethod
    def chunks(self, *, cutoff: datetime, now: datetime, size: int) -> Iterator[list]:
        """Keys (ids, file names) of what expired before `cutoff`, a chunk at a time."""

    @abstractmethod
    def purge(self, keys: list, *, cutoff: datetime, now: datetime) -> Purged:
        """Clear one chunk; runs inside a transaction."""

    def count(self, *, cutoff: datetime, now: datetime) -> int:
        return sum(len(keys) for keys in self.chunks(cutoff=cutoff, now=now, size=CHUNK))


class RowCategory(Category):
    """Rows of one model. `expired` returns the rows past the period that still hold personal data; the
    chunks page through it by primary key, so a row the purge could not change is never taken twice."""

    @abstractmethod
    def expired(self, *, cutoff: datetime, now: datetime) -> QuerySet:
        """The rows past the period that still hold personal data."""

    def chunks(self, *, cutoff, now, size):
        last = None
        while True:
            rows = self.expired(cutoff=cutoff, now=now)
            if last is not None:
                rows = rows.filter(pk__gt=last)
            keys = list(rows.order_by("pk").values_list("pk", flat=True)[:size])
            if not keys:
                return
            yield keys
            last = keys[-1]

    def count(self, *, cutoff, now):
        return self.expired(cutoff=cutoff, now=now).count()


class BadPeriod(ValueError):
    pass


def cutoff_for(period, *, now: datetime) -> datetime:
    """`now` less a period written as `{"days": n}`, `{"months": n}` or `{"years": n}`. Months and years
    count on the calendar in the business time zone (29 February less a year is 28 February)."""
    if not isinstance(period, dict) or len(period) != 1:
        raise BadPeriod(f"a retention period is one of {UNITS} with a number, not {period!r}")
    ((unit, amount),) = period.items()
    if unit not in UNITS or isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise BadPeriod(f"a retention period is one of {UNITS} with a whole number ≥ 0, not {period!r}")
    if unit == "days":
        return now - timedelta(days=amount)
    local = timezone.localtime(now)
    months = local.year * 12 + local.month - 1 - amount * (12 if unit == "years" else 1)
    year, month = divmod(months, 12)
    day = min(local.day, calendar.monthrange(year, month + 1)[1])
    return local.replace(year=year, month=month + 1, day=day)


def cutoffs_for(categories: Iterable[Category], periods: dict, *, now: datetime) -> dict[str, dict]:
    """Each category's cutoff from its period, raised to the legal floor where there is one."""
    cutoffs = {}
    for category in categories:
        period = periods[category.name]
        cutoff = cutoff_for(period, now=now)
        entry = {"policy": category.policy, "period": period}
        if category.floor is not None:
            floor_cutoff = cutoff_for(category.floor, now=now)
            if floor_cutoff < cutoff:
                log.warning(
                    "retention %s below its legal minimum %s; the minimum applies", period, category.floor
                )
                cutoff, entry["floor"] = floor_cutoff, category.floor
        entry["cutoff"] = cutoff.isoformat()
        cutoffs[category.name] = entry
    return cutoffs


def run_purge(
    categories: list[Category],
    *,
    periods: dict,
    by=None,
    now: datetime | None = None,
    dry_run: bool = False,
    chunk_size: int = CHUNK,
    on_category: Callable[[Category], None] | None = None,
) -> PurgeRun:
    """Purge what expired in each category. A dry run counts the rows and changes nothing (the PurgeRun it
    returns is not saved)."""
    now = now or timezone.now()
    cutoffs = cutoffs_for(categories, periods, now=now)  # a bad period fails here, before anything changes
    ctx = context.current()
    run = PurgeRun(
        started_at=now,
        channel=ctx.channel if ctx else "system",
        started_by=by if getattr(by, "pk", None) else None,
        cutoffs=cutoffs,
    )
    if dry_run:
        for category in categories:
            cutoff = datetime.fromisoformat(cutoffs[category.name]["cutoff"])
            run.counts[category.name] = {"rows": category.count(cutoff=cutoff, now=now)}
        return run
    run.save()
    try:
        for category in categories:
            _purge_category(run, category, now=now, chunk_size=chunk_size)
            if on_category is not None:
                on_category(category)
    except Exception as exc:
        _finish(run, by, state=PurgeRun.State.FAILED, error=type(exc).__name__)
        raise
    return _finish(run, by, state=PurgeRun.State.DONE)


def _purge_category(run: PurgeRun, category: Category, *, now: datetime, chunk_size: int) -> None:
    cutoff = datetime.fromisoformat(run.cutoffs[category.name]["cutoff"])
    counts = run.counts.setdefault(category.name, {"rows": 0, "files": 0})
    for keys in category.chunks(cutoff=cutoff, now=now, size=chunk_size):
        with transaction.atomic():
            purged = category.purge(keys, cutoff=cutoff, now=now)
            if purged.files:
                # A file goes only once the rows no longer point to it.
                transaction.on_commit(partial(_delete_files, purged.files))
        counts["rows"] += purged.rows
        counts["files"] += len(purged.files)
    PurgeRun.objects.filter(pk=run.pk).update(counts=run.counts)


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        delete_private(name)


def _finish(run: PurgeRun, by, *, state: str, error: str = "") -> PurgeRun:
    run.state, run.error, run.finished_at = state, error, timezone.now()
    with transaction.atomic():
        run.save(update_fields=["state", "error", "finished_at", "counts"])
        record(
            by,
            "privacy.purge.run",
            run,
            {"counts": run.counts, "cutoffs": run.cutoffs, **({"error": error} if error else {})},
            outcome=Outcome.SUCCESS if state == PurgeRun.State.DONE else Outcome.FAILURE,
        )
    return run
