from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from skilleval.accounts import views as account_views
from skilleval.applications.views import candidate, confirm, counter, institution, review
from skilleval.eligibility import views as eligibility_views
from skilleval.payments import views as payment_views
from skilleval.people import views as people_views
from skilleval.web import landing, views
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
    path("account/register/", people_views.register, name="register"),
    path("account/login/", people_views.sign_in, name="login"),
    path("account/logout/", people_views.sign_out, name="logout"),
    path("account/two-factor/", account_views.two_factor, name="two-factor"),
    path("confirm/", confirm.confirm, name="confirm-data"),
    path("institution/", institution.home, name="institution-home"),
    path("institution/template.xlsx", institution.template, name="institution-template"),
    path("institution/upload/", institution.upload, name="institution-upload"),
    path("institution/upload/errors.xlsx", institution.upload_report, name="institution-upload-report"),
    path("institution/batches/<int:pk>/", institution.batch, name="institution-batch"),
    path(
        "institution/batches/<int:pk>/pre-review/",
        institution.batch_pre_review,
        name="institution-batch-pre-review",
    ),
    path("institution/batches/<int:pk>/submit/", institution.batch_submit, name="institution-batch-submit"),
    path("institution/batches/<int:pk>/photos/", institution.batch_photos, name="institution-batch-photos"),
    path(
        "institution/applications/<str:number>/form.pdf",
        institution.application_form,
        name="institution-form-pdf",
    ),
    path("cashier/", payment_views.cashier_queue, name="cashier-queue"),
    path("cashier/statement/", payment_views.cashier_statement, name="cashier-statement"),
    path("cashier/reports/", payment_views.cashier_reports, name="cashier-reports"),
    path(
        "cashier/reports/collections.xlsx",
        payment_views.export_collections,
        name="cashier-export-collections",
    ),
    path(
        "cashier/reports/outstanding.xlsx",
        payment_views.export_outstanding,
        name="cashier-export-outstanding",
    ),
    path("cashier/<str:code>/", payment_views.cashier_payment, name="cashier-payment"),
    path("cashier/<str:code>/proof/", payment_views.cashier_proof, name="cashier-proof"),
    path("payments/<str:code>/invoices/<int:pk>/", payment_views.invoice_file, name="invoice-file"),
    path("institution/batches/<int:pk>/pay/", payment_views.pay_batch, name="institution-batch-pay"),
    path("me/applications/<str:number>/pay/", payment_views.pay_application, name="application-pay"),
    path("counter/", counter.new, name="counter-new"),
    path("counter/<str:number>/", counter.application, name="counter-application"),
    path("counter/<str:number>/form-signed/", counter.form_signed, name="counter-form-signed"),
    path("counter/<str:number>/form.pdf", counter.application_form, name="counter-form-pdf"),
    path("review/", review.queue, name="review-queue"),
    path("review/bulk-approve/", review.queue_bulk_approve, name="review-bulk-approve"),
    path("review/<str:number>/", review.detail, name="review-detail"),
    path("review/<str:number>/photo.jpg", review.applicant_photo, name="review-photo"),
    path("review/<str:number>/evidence/<int:pk>/", review.evidence_file, name="review-evidence"),
    path("me/", candidate.me, name="me"),
    path("me/profile/", candidate.profile, name="my-profile"),
    path("me/photo/", candidate.photo, name="my-photo"),
    path("me/photo.jpg", candidate.photo_image, name="my-photo-image"),
    path("me/apply/", candidate.apply, name="apply"),
    path("me/applications/<str:number>/", candidate.application_detail, name="application"),
    path("me/applications/<str:number>/resubmit/", candidate.resubmit, name="application-resubmit"),
    path("me/applications/<str:number>/form.pdf", candidate.application_form, name="application-form-pdf"),
    path("me/applications/<str:number>/evidence/", candidate.evidence_upload, name="application-evidence"),
    path(
        "me/applications/<str:number>/evidence/<int:pk>/",
        candidate.evidence_file,
        name="application-evidence-file",
    ),
    path("me/applications/<str:number>/withdraw/", candidate.withdraw_view, name="application-withdraw"),
    path("planning/", include("skilleval.scheduling.urls_planning")),
    path("tickets/", include("skilleval.scheduling.urls_tickets")),
    path("desk/", include("skilleval.scheduling.urls_desk")),
    path("results/", include("skilleval.results.urls_staff")),
    path("my-results/", include("skilleval.results.urls_candidate")),
    path("certificates/", include("skilleval.certificates.urls_staff")),
    path("discipline/", include("skilleval.discipline.urls")),
    path("dashboard/", include("skilleval.statistics.urls")),
    path("welcome/", landing.after_login, name="after-login"),
    path("", include("skilleval.certificates.urls_public")),
    path("jobs/<int:pk>/", views.job_progress, name="job-progress"),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

admin.site.site_header = _("Vocational skill evaluation — administration")
admin.site.site_title = _("skilleval administration")
admin.site.index_title = _("Work areas")

handler500 = "skilleval.web.views.server_error"
