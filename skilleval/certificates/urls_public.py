"""Public certificate URLs, at the site root inside i18n_patterns: `/v/<payload>` is what a certificate's QR
code holds (signing.qr_url), so it must resolve without a language prefix (Chinese) as well as under /en/."""

from django.urls import path

from skilleval.certificates.views import public

urlpatterns = [
    path("verify/", public.verify_page, name="certificate-verify"),
    path("verify/offline/", public.offline, name="certificate-verify-offline"),
    path("v/<str:payload>", public.statement, name="certificate-statement"),
    path("certificates/public-key.pem", public.public_key, name="certificate-public-key"),
]
