"""Revealing a full value is an audited act with a reason (SECURITY.md: masked by default)."""

from django.utils.translation import gettext as _

from skilleval.audit.services import record
from skilleval.core.errors import DomainError


def reveal(obj, field_name: str, *, by, reason: str) -> str:
    """Return the full value of an encrypted field and write who saw it, and why."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(
            _("Say why you need to see the full value."), code="reason_required", field="reason"
        )
    value = getattr(obj, field_name)
    record(by, "privacy.reveal", obj, {"field": field_name, "reason": reason[:200]})
    return value
