"""What the candidate's application page shows of the certificate (DOMAIN.md §11), without the applications
area having to know the certificates area: the page loads this library by name."""

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from skilleval.certificates.models import Certificate
from skilleval.certificates.services import trustworthy

register = template.Library()


def _collection(certificate: Certificate, group: bool) -> str:
    when = formats.date_format(certificate.collected_at, "Y-m-d") if certificate.collected_at else ""
    match certificate.collection:
        case Certificate.Collection.INSTITUTION:
            return _("Handed to your institution on %(date)s.") % {"date": when}
        case Certificate.Collection.IN_PERSON:
            return _("Collected in person on %(date)s.") % {"date": when}
        case Certificate.Collection.MAILED:
            return _("Mailed on %(date)s, tracking number %(tracking)s.") % {
                "date": when,
                "tracking": certificate.collection_note,
            }
    if group:
        return _("Waiting to be handed to your institution.")
    return _("Waiting at the counter: bring your ID document to collect it.")


@register.simple_tag
def application_certificate(application) -> dict | None:
    """The certificate's number, issue date, state and where it is; None when the application has none."""
    certificate = Certificate.objects.filter(application=application).first()
    if certificate is None:
        return None
    trusted = trustworthy(certificate)
    return {
        "number": certificate.number,
        "issued_on": certificate.issued_on,
        "revoked": certificate.state == Certificate.State.REVOKED,
        "state": certificate.get_state_display() if trusted else _("Under verification"),
        "collection": _collection(certificate, group=application.institution_id is not None),
        "downloadable": trusted,
    }
