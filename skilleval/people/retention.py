"""Retention of candidates' personal data (SECURITY.md "Personal data", DOMAIN.md §14; policy
`retention.inactive_people`).

A person whom nothing keeps (no application open or recently closed, no results valid for a make-up, no
certificate, no sanction, no account used within the period) is anonymised: phone, e-mail, photo and the
declared facts (education, work, certificates held, titles) are removed, and a candidate account unused for
the whole period is closed. The name and the ID number (encrypted, blind-indexed, masked) stay: the kept
applications, payments and the audit trail refer to the person, and the blind index keeps one person per
document, so a candidate who comes back is recognised rather than registered twice. A person with a
certificate stays intact (the certificate shows the name, the ID number and the photo).
"""

from collections.abc import Callable, Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from skilleval.people.models import Ban, CertificateHeld, EducationRecord, Person, TitleHeld, WorkRecord
from skilleval.privacy.retention import Purged, RowCategory

Hold = Callable[..., QuerySet]
FACTS = (EducationRecord, WorkRecord, CertificateHeld, TitleHeld)


def _still_holds_data() -> Q:
    facts = Q()
    for model in FACTS:
        facts |= Exists(model.objects.filter(person=OuterRef("pk")))
    return (
        ~Q(photo_name="")
        | ~Q(phone_index="")
        | ~Q(phone_masked="")
        | ~Q(email="")
        | Q(user__is_active=True)
        | facts
    )


class InactivePeople(RowCategory):
    name = "people.inactive"
    policy = "retention.inactive_people"
    label = _("Candidates nothing keeps: contact, photo, facts, account")

    def __init__(self, *, holds: Sequence[Hold] = ()):
        self.holds = tuple(holds)

    def expired(self, *, cutoff, now):
        used_account = Q(user__last_login__gte=cutoff) | Q(user__date_joined__gte=cutoff)
        staff = Q(user__is_staff=True) | Q(user__is_superuser=True)
        rows = (
            Person.objects.filter(created_at__lt=cutoff, updated_at__lt=cutoff)
            .exclude(used_account | staff)
            .exclude(Exists(Ban.objects.filter(person=OuterRef("pk"))))
            .filter(_still_holds_data())
        )
        for hold in self.holds:
            rows = rows.exclude(pk__in=hold(cutoff=cutoff, now=now))
        return rows

    def purge(self, keys, *, cutoff, now):
        people = Person.objects.filter(pk__in=keys)
        photos = tuple(n for n in people.select_for_update().values_list("photo_name", flat=True) if n)
        rows = people.update(
            phone="",
            phone_index="",
            phone_masked="",
            email="",
            photo_name="",
            photo_sha256="",
            photo_warnings="",
            intends_to_work=False,
        )
        for model in FACTS:
            model.objects.filter(person_id__in=keys).delete()
        # The account is the candidate's own sign-in, unused for the whole period: closed, its e-mail gone.
        get_user_model().objects.filter(person__in=keys, is_staff=False, is_superuser=False).update(
            is_active=False, email="", first_name="", last_name="", password=make_password(None)
        )
        return Purged(rows=rows, files=photos)
