"""The certificate PDF (DOMAIN.md §11): every field in Chinese, the photo, the signed QR statement.

The national certificate prints the full ID number, so the holder's copy does too; it is drawn on demand
for the holder and for staff (each download audited by the views), never stored.
"""

from django.utils import translation

from skilleval.catalog.models import Level
from skilleval.certificates import signing
from skilleval.certificates.models import Certificate
from skilleval.core.pdf.certificate import CertificateData, render_certificate
from skilleval.organization.models import Organization
from skilleval.people.models import DocumentType
from skilleval.people.services import photo_bytes


def certificate_data(certificate: Certificate, organization: Organization | None = None) -> CertificateData:
    organization = organization or Organization.objects.get(pk=1)
    person, item = certificate.person, certificate.item
    with translation.override("zh-hans"):
        return CertificateData(
            number=certificate.number,
            name=person.full_name,
            id_type=str(DocumentType(person.id_type).label),
            id_number=person.id_number,
            occupation=item.occupation.name,
            work_type=item.work_type.name if item.work_type_id else "--",
            level=str(Level(certificate.level).label),
            issued_on=certificate.issued_on,
            organization=organization.name,
            photo_jpeg=photo_bytes(person) if person.photo_name else None,
            qr_payload=signing.qr_url(certificate.statement, certificate.signature),
            revoked=certificate.state == Certificate.State.REVOKED,
        )


def certificate_pdf(certificate: Certificate) -> bytes:
    return render_certificate(certificate_data(certificate))
