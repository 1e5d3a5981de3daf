"""Students uploaded by an institution confirm their own data with a code (issue 4; PIPL art. 23).

The code goes to the contact the institution gave; the student enters it with their ID number. A group
application cannot be scheduled before this (lifecycle guard in services)."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from skilleval.applications.models import (
    NUMBER_ALPHABET,
    PLEDGE_VERSION,
    Application,
    Channel,
    ConfirmationCode,
)
from skilleval.audit.services import record
from skilleval.core.errors import DomainError
from skilleval.notifications.services import notify
from skilleval.people.services import find_person

CODE_LENGTH = 8
VALID_DAYS = 30
MAX_ATTEMPTS = 5


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.upper().encode(), hashlib.sha256).hexdigest()


def send_confirmation_codes(applications, *, by) -> int:
    """One code per group application not yet confirmed; sent after the surrounding change commits."""
    sent = 0
    for application in applications:
        if application.channel != Channel.GROUP or application.data_confirmed_at:
            continue
        code = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(CODE_LENGTH))
        ConfirmationCode.objects.create(
            application=application,
            code_hash=_hash(code),
            expires_at=timezone.now() + timedelta(days=VALID_DAYS),
        )
        person = application.person
        with translation.override("zh-hans"):
            text = _(
                "%(institution)s has applied for you (%(item)s, application %(number)s). Check your "
                "details and confirm them with the code %(code)s on the confirmation page within "
                "%(days)s days."
            ) % {
                "institution": application.institution.name,
                "item": str(application.item),
                "number": application.number,
                "code": code,
                "days": VALID_DAYS,
            }
        channel, address = ("sms", person.phone) if person.phone else ("email", person.email)
        if address:
            notify(
                channel=channel,
                address=address,
                topic="application.confirm_data",
                body=text,
                target=application,
            )
            sent += 1
    if sent:
        record(by, "applications.confirmation.send", None, {"codes": sent})
    return sent


def confirm_with_code(*, id_type: str, id_number: str, code: str) -> Application:
    """The student confirms: the right ID number and a live code of one of their applications. A wrong code
    uses up a try of every live code of that person, so guessing stops after a few attempts."""
    wrong = DomainError(
        _("The ID number or the code is not right, or the code has expired."), code="bad_code"
    )
    try:
        person = find_person(id_type, id_number)
    except DomainError:
        person = None
    if person is None:
        raise wrong
    now = timezone.now()
    live = ConfirmationCode.objects.filter(
        application__person=person, used_at__isnull=True, expires_at__gt=now, attempts__lt=MAX_ATTEMPTS
    )
    with transaction.atomic():
        match = next(
            (c for c in live.select_for_update() if hmac.compare_digest(c.code_hash, _hash(code.strip()))),
            None,
        )
        if match is not None:
            match.used_at = now
            match.save(update_fields=["used_at"])
            application = match.application
            application.data_confirmed_at = now
            application.save(update_fields=["data_confirmed_at", "updated_at"])
            record(None, "applications.application.data_confirmed", application, {"notice": PLEDGE_VERSION})
            return application
    live.update(attempts=F("attempts") + 1)
    raise wrong
