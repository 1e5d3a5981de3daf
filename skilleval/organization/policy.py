"""Read a policy default in force on a date (DOMAIN.md: every "policy default" is a row, not a constant)."""

import time
from datetime import date

from django.utils import timezone

from skilleval.organization.models import PolicySetting


class PolicyMissing(LookupError):
    def __init__(self, key: str, on: date):
        super().__init__(f"policy {key!r} has no value in force on {on}; load the notice or add one")
        self.key = key
        self.on = on


def policy(key: str, *, on: date | None = None):
    on = on or timezone.localdate()
    row = (
        PolicySetting.objects.filter(key=key, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("value", flat=True)
        .first()
    )
    if row is None:
        raise PolicyMissing(key, on)
    return row


_CACHE: dict[tuple[str, date], tuple[object, float]] = {}
CACHE_SECONDS = 60


def cached_policy(key: str, *, on: date | None = None):
    """`policy`, remembered in this process for a minute: for hot public paths (certificate verification)
    where a query per request would cost more than the work. A change made here is seen at once (set_policy
    clears it); one made in another process within the minute."""
    on = on or timezone.localdate()
    now = time.monotonic()
    hit = _CACHE.get((key, on))
    if hit is not None and hit[1] > now:
        return hit[0]
    value = policy(key, on=on)
    _CACHE[(key, on)] = (value, now + CACHE_SECONDS)
    return value


def forget_cached_policies() -> None:
    _CACHE.clear()


PUBLIC_RULES = {
    "cohort_minimum": "cohort.minimum_size",
    "ticket_days": "ticket.download_days_before",
    "results_days": "results.deadline_working_days",
    "results_days_marking": "results.deadline_working_days_marking",
    "payment_days": "payment.deadline_days",
}


def public_rules(*, on: date | None = None) -> dict:
    """The policy numbers the public pages quote, as in force today; a missing one shows as None."""
    values = {}
    for name, key in PUBLIC_RULES.items():
        try:
            values[name] = policy(key, on=on)
        except PolicyMissing:
            values[name] = None
    return values
