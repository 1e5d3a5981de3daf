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
