"""Admission tickets to download (issue 6, DOMAIN.md §7): the candidate's own, an institution's by session."""

from django.urls import path

from skilleval.scheduling.views import tickets

urlpatterns = [
    path("institution/", tickets.institution_sessions, name="tickets-institution"),
    path(
        "institution/sessions/<int:pk>.pdf",
        tickets.institution_session_pdf,
        name="tickets-institution-session",
    ),
    path("<str:number>.pdf", tickets.candidate_ticket, name="ticket-pdf"),
]
