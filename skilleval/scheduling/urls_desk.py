"""The check-in desk on exam day (issue 6, DOMAIN.md §8)."""

from django.urls import path

from skilleval.scheduling.views import desk

urlpatterns = [
    path("", desk.home, name="desk"),
    path("scan/", desk.scan, name="desk-scan"),
    path("seats/<int:pk>/mark/", desk.mark_view, name="desk-mark"),
    path("photo/<int:pk>.jpg", desk.photo, name="desk-photo"),
    path("sessions/<int:pk>/close/", desk.close, name="desk-close"),
]
