"""URLs of the staff dashboard (issue 11). Included at /dashboard/ (Chinese) and /en/dashboard/ (English)."""

from django.urls import path

from skilleval.statistics import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.export, name="dashboard-export"),
]
