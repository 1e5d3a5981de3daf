"""URLs of the certificates area for staff and holders (issue 8, DOMAIN.md §11): issuing, the provincial
numbers, revocation, collection and handovers, the national database upload, the holder's own PDF.

Included at /certificates/ (Chinese) and /en/certificates/ (English). A certificate is named by its number,
/certificates/S000031400054264000001/; the converter takes only that shape, so the words beside it
(import/, handover/, mine/) never read as a number.
"""

from django.urls import path, register_converter

from skilleval.certificates.views import holder, staff


class NumberConverter:
    regex = "S[0-9]{21}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(NumberConverter, "certificate_number")

CERTIFICATE = "<certificate_number:number>"

urlpatterns = [
    path("", staff.home, name="certificates"),
    path("issue/", staff.issue, name="certificates-issue"),
    path("import/", staff.import_page, name="certificates-import"),
    path("export.xlsx", staff.export_xlsx, name="certificates-export-xlsx"),
    path("export.csv", staff.export_csv, name="certificates-export-csv"),
    path("revocations.xlsx", staff.revocations_xlsx, name="certificates-revocations-xlsx"),
    path("handover/", staff.handover, name="certificates-handover"),
    path("handover/preview.pdf", staff.handover_preview, name="certificates-handover-preview"),
    path("handover/<int:pk>.pdf", staff.handover_pdf_view, name="certificates-handover-pdf"),
    path(f"mine/{CERTIFICATE}.pdf", holder.certificate_pdf_view, name="certificates-mine-pdf"),
    path(f"{CERTIFICATE}/", staff.detail, name="certificates-detail"),
    path(f"{CERTIFICATE}/certificate.pdf", staff.download, name="certificates-pdf"),
    path(f"{CERTIFICATE}/revoke/", staff.revoke_view, name="certificates-revoke"),
    path(f"{CERTIFICATE}/collect/", staff.collect_view, name="certificates-collect"),
    path(f"{CERTIFICATE}/mail/", staff.mail_view, name="certificates-mail"),
]
