"""Read a policy default in force on a date (DOMAIN.md: every "policy default" is a row, not a constant)."""

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
