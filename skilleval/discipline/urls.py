"""URLs of the discipline area (issue 9, DOMAIN.md §8, §12): incidents from the desk and after the event,
decisions, appeals, the sanctions register, and the candidate's appeal. Included at /discipline/ (Chinese)
and /en/discipline/ (English)."""

from django.urls import path

from skilleval.discipline.views import candidate, staff

urlpatterns = [
    path("", staff.incidents, name="discipline-home"),
    path("incidents/new/", staff.finding_new, name="discipline-finding-new"),
    path("incidents/new/<int:seat>/", staff.incident_new, name="discipline-incident-new"),
    path("incidents/<int:pk>/decide/", staff.incident_decide, name="discipline-decide"),
    path("incidents/<int:pk>/dismiss/", staff.incident_dismiss, name="discipline-dismiss"),
    path("evidence/<int:pk>/", staff.evidence_file, name="discipline-evidence"),
    path("appeals/", staff.appeals, name="discipline-appeals"),
    path("appeals/<int:pk>/answer/", staff.appeal_answer, name="discipline-appeal-answer"),
    path("register/", staff.register_page, name="discipline-register"),
    path("register.xlsx", staff.register_xlsx_view, name="discipline-register-xlsx"),
    path("register.csv", staff.register_csv_view, name="discipline-register-csv"),
    path("decisions/<str:reference>/appeal/", candidate.appeal_view, name="discipline-appeal"),
]
