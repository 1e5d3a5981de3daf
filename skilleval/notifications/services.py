"""Queue a message in the outbox and deliver it once the change that caused it has committed."""

from django.db import transaction
from django.utils import timezone

from skilleval.core.validators import mask_mobile
from skilleval.notifications.backends import backend_for
from skilleval.notifications.models import Message


def mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def notify(*, channel: str, address: str, topic: str, body: str, subject: str = "", target=None) -> Message:
    masked = mask_mobile(address) if channel == Message.Channel.SMS else mask_email(address)
    message = Message.objects.create(
        channel=channel,
        address=address,
        address_masked=masked,
        subject=subject[:200],
        body=body,
        topic=topic,
        target_type=f"{target._meta.app_label}.{target._meta.model_name}" if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
    )
    transaction.on_commit(lambda: deliver(message.pk))
    return message


def notify_many(messages: list[dict]) -> int:
    """Queue many messages at once (a published month plan tells thousands); each dict holds the arguments
    of `notify`. They are delivered one by one after the commit, as `notify` does."""
    rows = [
        Message(
            channel=m["channel"],
            address=m["address"],
            address_masked=mask_mobile(m["address"])
            if m["channel"] == Message.Channel.SMS
            else mask_email(m["address"]),
            subject=m.get("subject", "")[:200],
            body=m["body"],
            topic=m["topic"],
            target_type=m.get("target_type", ""),
            target_id=m.get("target_id", ""),
        )
        for m in messages
    ]
    created = Message.objects.bulk_create(rows, batch_size=2000)
    ids = [m.pk for m in created if m.pk is not None]
    if len(ids) != len(created):  # a backend that does not return keys: look the queued ones up
        ids = list(Message.objects.filter(state=Message.State.QUEUED).values_list("pk", flat=True))

    def deliver_all():
        for pk in ids:
            deliver(pk)

    transaction.on_commit(deliver_all)
    return len(rows)


def deliver(message_id: int) -> None:
    """Send one queued message; a failing gateway marks it failed for staff to see, and never undoes the
    change it reports."""
    message = Message.objects.get(pk=message_id)
    if message.state != Message.State.QUEUED:
        return
    try:
        backend_for(message.channel)(message)
    except Exception as exc:  # a gateway's failure is recorded, not raised into the user's request
        Message.objects.filter(pk=message.pk).update(state=Message.State.FAILED, error=type(exc).__name__)
        return
    Message.objects.filter(pk=message.pk).update(state=Message.State.SENT, sent_at=timezone.now())
