"""Where messages go. The default writes a line for each to the log (console) and leaves the text in the
outbox; real gateways plug in by setting
`NOTIFICATION_BACKENDS = {"email": "dotted.path", "sms": "dotted.path"}`: a callable taking a Message."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("skilleval.notifications")


def console(message) -> None:
    # Neither the full address nor the text goes into the log line (SECURITY.md): a text may carry a one-time
    # code (the data-confirmation code) or a name. Staff read the text in the outbox (admin).
    logger.info(
        "%s to %s [%s]: outbox message %s", message.channel, message.address_masked, message.topic, message.pk
    )


def django_mail(message) -> None:
    send_mail(message.subject, message.body, None, [message.address], fail_silently=False)


DEFAULTS = {
    "email": "skilleval.notifications.backends.console",
    "sms": "skilleval.notifications.backends.console",
}


def backend_for(channel: str):
    paths = {**DEFAULTS, **getattr(settings, "NOTIFICATION_BACKENDS", {})}
    return import_string(paths[channel])
