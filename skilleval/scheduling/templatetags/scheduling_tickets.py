"""What the candidate's application page shows of the admission ticket (DOMAIN.md §7), without the
applications area having to know the scheduling area: the page loads this library by name."""

from django import template
from django.utils import timezone

from skilleval.scheduling.models import Ticket
from skilleval.scheduling.tickets import opens_on
from skilleval.scheduling.views.tickets import TICKET_STATUSES

register = template.Library()


@register.simple_tag
def admission_ticket(application) -> dict | None:
    """The ticket number, the first day it can be downloaded and whether that day has come; None when the
    application has no ticket to hand out (not scheduled, or no seat any more)."""
    if application.status not in TICKET_STATUSES:
        return None
    ticket = Ticket.objects.filter(application=application).first()
    opens = opens_on(ticket) if ticket else None
    if opens is None:
        return None
    return {"number": ticket.number, "opens_on": opens, "open": opens <= timezone.localdate()}
