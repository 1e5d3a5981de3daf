"""Retention of admission ticket PDFs (policy `retention.ticket_pdfs`).

A ticket PDF shows the name, the photo and the masked ID number; it is needed to enter the exam and then no
more. Once the period after the application's last exam day is over, the stored PDF is deleted; the ticket
row keeps its number (scores and results are filed by it). Asked for again, the PDF is drawn anew."""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skilleval.privacy.retention import Purged, RowCategory
from skilleval.scheduling.models import SeatAssignment, Ticket


class TicketPdfs(RowCategory):
    name = "scheduling.ticket_pdfs"
    policy = "retention.ticket_pdfs"
    label = _("Admission ticket PDFs after the exam")

    def expired(self, *, cutoff, now):
        later_seat = SeatAssignment.objects.filter(
            application=OuterRef("application"), session__date__gte=timezone.localdate(cutoff)
        )
        return (
            Ticket.objects.exclude(pdf_name="").exclude(generated_at__gte=cutoff).exclude(Exists(later_seat))
        )

    def purge(self, keys, *, cutoff, now):
        tickets = Ticket.objects.filter(pk__in=keys).exclude(pdf_name="")
        names = tuple(tickets.values_list("pdf_name", flat=True))
        rows = tickets.update(pdf_name="", pdf_fingerprint="")
        return Purged(rows=rows, files=names)
