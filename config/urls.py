from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from skilleval.eligibility import views as eligibility_views
from skilleval.web import views
from skilleval.web.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/", views.api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.health, name="health"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("catalog/", views.catalog, name="catalog"),
    path("cycles/", views.cycles, name="cycles"),
    path("contact/", views.contact, name="contact"),
    path("eligibility/", eligibility_views.self_check, name="eligibility"),
    path("jobs/<int:pk>/", views.job_progress, name="job-progress"),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

admin.site.site_header = _("Vocational skill evaluation — administration")
admin.site.site_title = _("skilleval administration")
admin.site.index_title = _("Work areas")

handler500 = "skilleval.web.views.server_error"
