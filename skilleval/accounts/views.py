"""The second-factor page: enrol an authenticator app once, then give its code after every sign-in."""

import base64

import segno
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from skilleval.accounts.access import needs_second_factor, signed_in
from skilleval.accounts.services import check_totp, confirmed_totp_device, pending_totp_device


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return "/welcome/"


def _qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").png_data_uri(scale=5, border=4)


def _grouped(secret_b32: str) -> str:
    return " ".join(secret_b32[i : i + 4] for i in range(0, len(secret_b32), 4))


@signed_in
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request):
    user = request.user
    if not needs_second_factor(user) or user.is_verified():
        return redirect(_next_url(request))
    device = confirmed_totp_device(user)
    enrolling = device is None
    error = False
    if request.method == "POST":
        accepted = check_totp(user, request.POST.get("code", ""))
        if accepted is not None:
            otp_login(request, accepted)
            return redirect(_next_url(request))
        error = True
    context = {"enrolling": enrolling, "error": error, "next": _next_url(request)}
    if enrolling:
        pending = pending_totp_device(user)
        secret = base64.b32encode(pending.bin_key).decode().rstrip("=")
        context |= {"qr": _qr_data_uri(pending.config_url), "secret": _grouped(secret)}
    return render(request, "accounts/two_factor.html", context, status=400 if error else 200)
