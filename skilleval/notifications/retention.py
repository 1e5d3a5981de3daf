"""Retention of the outbox (policy `retention.messages`): a sent or failed message keeps its topic, its
target and its state for staff; the address and the text, which hold personal data (and one-time codes),
are cleared once the period is over. Queued messages are left alone: clearing one would send it nowhere."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skilleval.notifications.models import Message
from skilleval.privacy.retention import Purged, RowCategory


class SentMessages(RowCategory):
    name = "notifications.messages"
    policy = "retention.messages"
    label = _("Messages sent: addresses and text")

    def expired(self, *, cutoff, now):
        return (
            Message.objects.exclude(state=Message.State.QUEUED)
            .filter(created_at__lt=cutoff)
            .filter(~Q(address_masked="") | ~Q(body=""))
        )

    def purge(self, keys, *, cutoff, now):
        rows = Message.objects.filter(pk__in=keys).update(address="", address_masked="", body="", error="")
        return Purged(rows=rows)
