"""Retention of sign-in sessions (policy `retention.sessions`): a session past its expiry date is of no use
and still names its user (and may name a sealed upload report); it is deleted once the period after expiry
is over. `0` days removes them as soon as they expire, as `manage.py clearsessions` would."""

from django.contrib.sessions.models import Session
from django.utils.translation import gettext_lazy as _

from skilleval.privacy.retention import Purged, RowCategory


class ExpiredSessions(RowCategory):
    name = "accounts.sessions"
    policy = "retention.sessions"
    label = _("Expired sign-in sessions")

    def expired(self, *, cutoff, now):
        return Session.objects.filter(expire_date__lt=cutoff)

    def purge(self, keys, *, cutoff, now):
        rows, _by_model = Session.objects.filter(pk__in=keys).delete()
        return Purged(rows=rows)
