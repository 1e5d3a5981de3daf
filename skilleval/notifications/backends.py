"""Where messages go. The default writes each to the log (console); real gateways plug in by setting
`NOTIFICATION_BACKENDS = {"email": "dotted.path", "sms": "dotted.path"}`: a callable taking a Message."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("skilleval.notifications")


def console(message) -> None:
    # The address is logged masked: no phone number or e-mail in a log line (SECURITY.md).
    logger.info("%s to %s [%s]: %s", message.channel, message.address_masked, message.topic, message.body)


def django_mail(message) -> None:
    send_mail(message.subject, message.body, None, [message.address], fail_silently=False)


DEFAULTS = {
    "email": "skilleval.notifications.backends.console",
    "sms": "skilleval.notifications.backends.console",
}


def backend_for(channel: str):
    paths = {**DEFAULTS, **getattr(settings, "NOTIFICATION_BACKENDS", {})}
    return import_string(paths[channel])
