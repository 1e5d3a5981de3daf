"""Give every request an id and a client address the audit trail and the logs can read."""

import dataclasses

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from skilleval.core import context


def client_ip(request) -> str | None:
    # Behind a proxy that the deployment names, take the address it saw; otherwise the socket's peer.
    # A client-supplied X-Forwarded-For is never trusted on its own (it would defeat per-IP limits).
    remote = request.META.get("REMOTE_ADDR")
    if remote and remote in getattr(settings, "TRUSTED_PROXIES", ()):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1]
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = context.new_request_id()
        request.request_id = request_id
        channel = "api" if request.path.startswith("/api/") else "web"
        # Left set until the request is finished (web/apps.py clears it then): Django logs a 4xx or 5xx after
        # the middleware has returned, and that line should carry the id too.
        context.set_context(
            context.RequestContext(request_id=request_id, client_ip=client_ip(request), channel=channel)
        )
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class AuditActorMiddleware:
    """After authentication: remember who is acting, for audit rows written below the views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = context.current()
        user = getattr(request, "user", None)
        if ctx is not None and user is not None and user.is_authenticated:
            context.set_context(dataclasses.replace(ctx, user_id=user.pk))
        return self.get_response(request)


class ApiLanguageMiddleware:
    """The API answers in the language of `Accept-Language` (Simplified Chinese by default).

    Pages take their language from the URL prefix (/en/…); with an unprefixed default language Django gives
    every unprefixed path the default, which would leave API clients no way to ask for English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ("Accept-Language",))
        return response


class PasswordChangeRequiredMiddleware:
    """A user holding a one-time password (the first administrator) changes it before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {
                reverse("admin:password_change"),
                reverse("admin:password_change_done"),
                reverse("admin:logout"),
            }
            if request.path not in allowed and not request.path.startswith(("/static/", "/i18n/")):
                return redirect("admin:password_change")
        return self.get_response(request)
