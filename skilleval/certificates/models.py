"""Certificates (职业技能等级证书, DOMAIN.md §11): numbers, the signed statement, revocation, collection,
and the log of public verifications.

An issued certificate is immutable except valid → revoked with a reason and its collection record: the
database refuses any other change and any deletion (migration 0002). Its number is the organization's
filing number, the year, the level and a serial without gaps per (organization, year, level), taken under a
row lock inside the issuing transaction, so a rollback returns the serial.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skilleval.accounts.fields import acting_user

NUMBER_PATTERN = r"^S[0-9]{12}[0-9]{2}[1-5][0-9]{6}$"


class Handover(models.Model):
    """Group certificates handed to an institution in one batch, with the receiver's signature recorded."""

    institution = models.ForeignKey(
        "accounts.Institution", on_delete=models.PROTECT, related_name="handovers"
    )
    receiver_name = models.CharField(_("received by"), max_length=100)
    receiver_signed = models.BooleanField(_("signature on the handover list"), default=False)
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handed_at = models.DateTimeField(_("handed over"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate handover")
        verbose_name_plural = _("certificate handovers")

    def __str__(self):
        return f"{self.institution} {self.handed_at:%Y-%m-%d}"


class Certificate(models.Model):
    class State(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")

    class Source(models.TextChoices):
        ISSUED = "issued", _("Numbered here")
        IMPORTED = "imported", _("Number from the provincial file")

    class Collection(models.TextChoices):
        WAITING = "waiting", _("Waiting to be collected")
        INSTITUTION = "institution", _("Handed to the institution")
        IN_PERSON = "in_person", _("Collected in person")
        MAILED = "mailed", _("Mailed")

    number = models.CharField(_("certificate number"), max_length=22, unique=True)
    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="certificate"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="skill_certificates"
    )  # "certificates" is the facts the candidate declares (people.CertificateHeld)
    item = models.ForeignKey("catalog.CatalogItem", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"))
    issued_on = models.DateField(_("issued on"))
    source = models.CharField(_("number from"), max_length=10, choices=Source.choices, default=Source.ISSUED)
    statement = models.TextField(editable=False)  # the compact statement the QR code carries
    signature = models.CharField(max_length=100, editable=False)  # Ed25519, base64url
    tag = models.CharField(max_length=64, editable=False)  # keyed integrity tag of the row
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.VALID)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = acting_user()
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)
    collection = models.CharField(
        _("collection"), max_length=12, choices=Collection.choices, default=Collection.WAITING
    )
    handover = models.ForeignKey(
        Handover, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    collected_at = models.DateTimeField(_("collected"), null=True, blank=True)
    collected_by = acting_user()  # the staff member who handed it over or mailed it
    collection_note = models.CharField(_("received by / tracking number"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=NUMBER_PATTERN), name="certificate_number_format"
            ),
            models.CheckConstraint(
                condition=Q(state="valid", revoked_at__isnull=True)
                | Q(state="revoked", revoked_at__isnull=False) & ~Q(revoke_reason=""),
                name="certificate_revoked_with_a_reason",
            ),
        ]

    def __str__(self):
        return self.number


class CertificateCounter(models.Model):
    """The last serial of one (filing number, year, level): the number's first 16 characters."""

    prefix = models.CharField(max_length=16, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("certificate counter")
        verbose_name_plural = _("certificate counters")

    def __str__(self):
        return f"{self.prefix}: {self.last}"


class Verification(models.Model):
    """One public lookup, logged without the query in clear (keyed digests), for rate limits and audit."""

    class Outcome(models.TextChoices):
        HIT = "hit", _("Found")
        MISS = "miss", _("Not found")
        LIMITED = "limited", _("Refused: too many")
        CHALLENGED = "challenged", _("Challenge asked")

    at = models.DateTimeField(auto_now_add=True)
    client = models.CharField(max_length=64)  # keyed digest of the client address
    query = models.CharField(max_length=64)  # keyed digest of what was asked
    channel = models.CharField(max_length=8)  # page | api | qr
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("certificate verification")
        verbose_name_plural = _("certificate verifications")
        indexes = [models.Index(fields=["client", "at"], name="verification_client_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.channel} {self.outcome}"
