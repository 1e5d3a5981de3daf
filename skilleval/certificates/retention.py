"""Retention of the public verification log (policy `retention.verification_log`).

A lookup row holds keyed digests of the client and of the query, never the query itself; it serves the rate
limits (minutes) and the audit of lookups. It is a network log, so it is kept at least six months
(Cybersecurity Law art. 21): a shorter policy is raised to that. Nothing refers to a lookup: expired rows
are deleted. Certificates themselves are never purged."""

from django.utils.translation import gettext_lazy as _

from skilleval.certificates.models import Certificate, Verification
from skilleval.privacy.retention import Purged, RowCategory


class VerificationLog(RowCategory):
    name = "certificates.verifications"
    policy = "retention.verification_log"
    label = _("Certificate verification lookups")
    floor = {"months": 6}

    def expired(self, *, cutoff, now):
        return Verification.objects.filter(at__lt=cutoff)

    def purge(self, keys, *, cutoff, now):
        rows, _by_model = Verification.objects.filter(pk__in=keys).delete()
        return Purged(rows=rows)


def people_with_certificates(*, cutoff, now):
    """A certificate holder stays intact: the certificate shows the name, the ID number and the photo, and
    a reprint or a revocation needs them."""
    return Certificate.objects.values("person_id")
