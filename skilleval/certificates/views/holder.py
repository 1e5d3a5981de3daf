"""The holder's own certificate (DOMAIN.md §11): the PDF from the application page.

Only the holder: anyone else's number answers 404, exactly like a number that does not exist, so numbers
cannot be probed (SECURITY.md "Access"). The PDF prints the full ID number, so each download is audited.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from skilleval.applications.views.candidate import candidate_required
from skilleval.applications.views.files import private_response
from skilleval.audit.services import record
from skilleval.certificates.documents import certificate_pdf
from skilleval.certificates.models import Certificate
from skilleval.certificates.services import trustworthy


@require_GET
@candidate_required
def certificate_pdf_view(request, number):
    certificate = (
        Certificate.objects.select_related("person", "item__occupation", "item__work_type", "application")
        .filter(number=number, person=request.person)
        .first()
    )
    if certificate is None:
        raise Http404
    if not trustworthy(certificate):
        messages.error(
            request, _("Your certificate is under verification. Please ask the office (see Contact).")
        )
        return redirect("application", number=certificate.application.number)
    record(request.user, "certificates.certificate.download", certificate, {"by": "holder"})
    return private_response(
        certificate_pdf(certificate), "application/pdf", filename=f"certificate-{certificate.number}.pdf"
    )
