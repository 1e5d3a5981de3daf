"""Files served to the people who may see them: always through the access helper, never cached."""

from django.http import HttpResponse

from skilleval.applications.access import get_application_for
from skilleval.applications.documents import application_form_pdf
from skilleval.applications.evidence import evidence_bytes


def private_response(
    content: bytes, content_type: str, *, filename: str = "", attachment: bool = False
) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = (
        f"{disposition}; filename*=UTF-8''{filename}" if filename else disposition
    )
    response["Cache-Control"] = "no-store"  # personal data: no copy in any cache
    return response


def application_form_response(user, number: str) -> HttpResponse:
    """The 报名表 of an application this user may see (candidate, counter, institution alike)."""
    application = get_application_for(user, number)
    return private_response(
        application_form_pdf(application), "application/pdf", filename=f"application-{application.number}.pdf"
    )


def evidence_response(evidence) -> HttpResponse:
    return private_response(evidence_bytes(evidence), evidence.content_type)
